"""Image building: the Dockerfile front end and (later) the build planner and executor."""
