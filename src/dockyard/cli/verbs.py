"""The command table: every verb, its flags and where its handler lives (imported only when run)."""

from __future__ import annotations

from .flags import Command, Flag

F = Flag

FORMAT = F("format", None, "str", None, "Format output using a custom template: 'table', 'table TEMPLATE', "
           "'json', or a Go template", "string")
QUIET_IMG = F("quiet", "q", "bool", False, "Only show image IDs")
NO_TRUNC = F("no-trunc", None, "bool", False, "Don't truncate output")

CREATE_FLAGS: tuple[Flag, ...] = (
    F("name", None, "str", None, "Assign a name to the container"),
    F("env", "e", "list", None, "Set environment variables"),
    F("env-file", None, "list", None, "Read in a file of environment variables"),
    F("workdir", "w", "str", None, "Working directory inside the container"),
    F("user", "u", "str", None, "Username or UID (format: <name|uid>[:<group|gid>])"),
    F("entrypoint", None, "str", None, "Overwrite the default ENTRYPOINT of the image"),
    F("hostname", "h", "str", None, "Container host name"),
    F("label", "l", "list", None, "Set meta data on a container"),
    F("read-only", None, "bool", False, "Mount the container's root filesystem as read only"),
    F("memory", "m", "str", None, "Memory limit", "bytes"),
    F("memory-swap", None, "str", None, "Swap limit equal to memory plus swap: '-1' to enable unlimited swap",
      "bytes"),
    F("cpus", None, "str", None, "Number of CPUs", "decimal"),
    F("pids-limit", None, "int", None, "Tune container pids limit (set -1 for unlimited)"),
    F("init", None, "bool", False, "Run an init inside the container that forwards signals and reaps processes"),
    F("restart", None, "str", "no", "Restart policy to apply when a container exits"),
    F("stop-signal", None, "str", None, "Signal to stop the container"),
    F("stop-timeout", None, "int", None, "Timeout (in seconds) to stop a container"),
    F("runtime", None, "str", None, "Runtime to use for this container (native, runc)"),
    F("interactive", "i", "bool", False, "Keep STDIN open even if not attached"),
    F("tty", "t", "bool", False, "Allocate a pseudo-TTY"),
    F("rm", None, "bool", False, "Automatically remove the container and its associated anonymous volumes "
      "when it exits"),
    F("cap-add", None, "list", None, "Add Linux capabilities"),
    F("cap-drop", None, "list", None, "Drop Linux capabilities"),
    F("privileged", None, "bool", False, "Give extended privileges to this container"),
    F("ulimit", None, "list", None, "Ulimit options"),
    F("log-opt", None, "list", None, "Log driver options"),
    F("log-driver", None, "str", None, "Logging driver for the container"),
    F("network", None, "str", None, "Connect a container to a network", "network"),
    F("net", None, "str", None, "Connect a container to a network", "network", True),
    F("publish", "p", "list", None, "Publish a container's port(s) to the host"),
    F("publish-all", "P", "bool", False, "Publish all exposed ports to random ports"),
    F("expose", None, "list", None, "Expose a port or a range of ports"),
    F("volume", "v", "list", None, "Bind mount a volume"),
    F("mount", None, "list", None, "Attach a filesystem mount to the container"),
    F("tmpfs", None, "list", None, "Mount a tmpfs directory"),
    F("volumes-from", None, "list", None, "Mount volumes from the specified container(s)"),
    F("add-host", None, "list", None, "Add a custom host-to-IP mapping (host:ip)"),
    F("dns", None, "list", None, "Set custom DNS servers"),
    F("ip", None, "str", None, "IPv4 address (e.g., 172.30.100.104)"),
    F("network-alias", None, "list", None, "Add network-scoped alias for the container"),
    F("platform", None, "str", None, "Set platform if server is multi-platform capable"),
    F("pull", None, "str", "missing", 'Pull image before running ("always", "missing", "never")'),
    F("quiet", "q", "bool", False, "Suppress the pull output"),
)

RUN_FLAGS = CREATE_FLAGS + (
    F("detach", "d", "bool", False, "Run container in background and print container ID"),
    F("attach", "a", "list", None, "Attach to STDIN, STDOUT or STDERR"),
    F("sig-proxy", None, "bool", True, "Proxy received signals to the process"),
)

PS_FLAGS = (
    F("all", "a", "bool", False, "Show all containers (default shows just running)"),
    F("quiet", "q", "bool", False, "Only display container IDs"),
    F("size", "s", "bool", False, "Display total file sizes"),
    F("latest", "l", "bool", False, "Show the latest created container (includes all states)"),
    F("last", "n", "int", -1, "Show n last created containers (includes all states)"),
    NO_TRUNC,
    F("filter", "f", "list", None, "Filter output based on conditions provided"),
    FORMAT,
)

IMAGES_FLAGS = (
    F("all", "a", "bool", False, "Show all images (default hides intermediate images)"),
    QUIET_IMG,
    F("digests", None, "bool", False, "Show digests"),
    NO_TRUNC,
    F("filter", "f", "list", None, "Filter output based on conditions provided"),
    FORMAT,
)

RMI_FLAGS = (F("force", "f", "bool", False, "Force removal of the image"),
             F("no-prune", None, "bool", False, "Do not delete untagged parents"))
INSPECT_FORMAT = F("format", "f", "str", None, "Format output using a custom template: 'json', or a Go template",
                   "string")
INSPECT_FLAGS = (INSPECT_FORMAT, F("size", "s", "bool", False, "Display total file sizes"),
                 F("type", None, "str", None, "Return JSON for specified type"))
STOP_FLAGS = (F("time", "t", "int", None, "Seconds to wait before killing the container"),
              F("signal", "s", "str", None, "Signal to send to the container"))
LOGS_FLAGS = (
    F("follow", "f", "bool", False, "Follow log output"),
    F("tail", "n", "str", "all", "Number of lines to show from the end of the logs"),
    F("timestamps", "t", "bool", False, "Show timestamps"),
    F("since", None, "str", None, "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m)"),
    F("until", None, "str", None, "Show logs before a timestamp or relative"),
    F("details", None, "bool", False, "Show extra details provided to logs"),
)
EXEC_FLAGS = (
    F("detach", "d", "bool", False, "Detached mode: run command in the background"),
    F("interactive", "i", "bool", False, "Keep STDIN open even if not attached"),
    F("tty", "t", "bool", False, "Allocate a pseudo-TTY"),
    F("env", "e", "list", None, "Set environment variables"),
    F("env-file", None, "list", None, "Read in a file of environment variables"),
    F("workdir", "w", "str", None, "Working directory inside the container"),
    F("user", "u", "str", None, "Username or UID (format: <name|uid>[:<group|gid>])"),
    F("privileged", None, "bool", False, "Give extended privileges to the command"),
)
IMPORT_FLAGS = (F("change", "c", "list", None, "Apply Dockerfile instruction to the created image"),
                F("message", "m", "str", None, "Set commit message for imported image"),
                F("platform", None, "str", None, "Set platform if server is multi-platform capable"))
PRUNE_FLAGS = (F("force", "f", "bool", False, "Do not prompt for confirmation"),
               F("filter", None, "list", None, "Provide filter values (e.g. \"until=<timestamp>\")"))

C = Command
COMMANDS: tuple[Command, ...] = (
    # --- containers ---
    C("run", "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create and run a new container from an image",
      "containers:cmd_run", RUN_FLAGS, interspersed=False, min_args=1, aliases=("container run",)),
    C("create", "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a new container", "containers:cmd_create",
      CREATE_FLAGS, interspersed=False, min_args=1, aliases=("container create",)),
    C("start", "[OPTIONS] CONTAINER [CONTAINER...]", "Start one or more stopped containers",
      "containers:cmd_start", (F("attach", "a", "bool", False, "Attach STDOUT/STDERR and forward signals"),
                               F("interactive", "i", "bool", False, "Attach container's STDIN")),
      min_args=1, aliases=("container start",)),
    C("attach", "[OPTIONS] CONTAINER", "Attach local standard input, output, and error streams to a running "
      "container", "containers:cmd_attach",
      (F("detach-keys", None, "str", None, "Override the key sequence for detaching a container"),
       F("no-stdin", None, "bool", False, "Do not attach STDIN"),
       F("sig-proxy", None, "bool", True, "Proxy all received signals to the process")),
      min_args=1, max_args=1, aliases=("container attach",)),
    C("stop", "[OPTIONS] CONTAINER [CONTAINER...]", "Stop one or more running containers",
      "containers:cmd_stop", STOP_FLAGS, min_args=1, aliases=("container stop",)),
    C("restart", "[OPTIONS] CONTAINER [CONTAINER...]", "Restart one or more containers",
      "containers:cmd_restart", STOP_FLAGS, min_args=1, aliases=("container restart",)),
    C("kill", "[OPTIONS] CONTAINER [CONTAINER...]", "Kill one or more running containers",
      "containers:cmd_kill", (F("signal", "s", "str", "KILL", "Signal to send to the container"),),
      min_args=1, aliases=("container kill",)),
    C("pause", "CONTAINER [CONTAINER...]", "Pause all processes within one or more containers",
      "containers:cmd_pause", min_args=1, aliases=("container pause",)),
    C("unpause", "CONTAINER [CONTAINER...]", "Unpause all processes within one or more containers",
      "containers:cmd_unpause", min_args=1, aliases=("container unpause",)),
    C("rm", "[OPTIONS] CONTAINER [CONTAINER...]", "Remove one or more containers", "containers:cmd_rm",
      (F("force", "f", "bool", False, "Force the removal of a running container (uses SIGKILL)"),
       F("volumes", "v", "bool", False, "Remove anonymous volumes associated with the container"),
       F("link", "l", "bool", False, "Remove the specified link")),
      min_args=1, aliases=("container rm", "container remove")),
    C("ps", "[OPTIONS]", "List containers", "containers:cmd_ps", PS_FLAGS, max_args=0,
      aliases=("container ls", "container list", "container ps")),
    C("logs", "[OPTIONS] CONTAINER", "Fetch the logs of a container", "containers:cmd_logs", LOGS_FLAGS,
      min_args=1, max_args=1, aliases=("container logs",)),
    C("exec", "[OPTIONS] CONTAINER COMMAND [ARG...]", "Execute a command in a running container",
      "containers:cmd_exec", EXEC_FLAGS, interspersed=False, min_args=2, aliases=("container exec",)),
    C("wait", "CONTAINER [CONTAINER...]", "Block until one or more containers stop, then print their exit codes",
      "containers:cmd_wait", min_args=1, aliases=("container wait",)),
    C("inspect", "[OPTIONS] NAME|ID [NAME|ID...]", "Return low-level information on Docker objects",
      "inspect:cmd_inspect", INSPECT_FLAGS, min_args=1),
    C("container inspect", "[OPTIONS] CONTAINER [CONTAINER...]", "Display detailed information on one or more "
      "containers", "inspect:cmd_container_inspect", INSPECT_FLAGS, min_args=1),
    C("top", "CONTAINER [ps OPTIONS]", "Display the running processes of a container", "containers:cmd_top",
      interspersed=False, min_args=1, aliases=("container top",)),
    C("diff", "CONTAINER", "Inspect changes to files or directories on a container's filesystem",
      "containers:cmd_diff", min_args=1, max_args=1, aliases=("container diff",)),
    C("cp", "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tdockyard cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
      "Copy files/folders between a container and the local filesystem", "cp:cmd_cp",
      (F("archive", "a", "bool", False, "Archive mode (copy all uid/gid information)"),
       F("follow-link", "L", "bool", False, "Always follow symbol link in SRC_PATH"),
       F("quiet", "q", "bool", False, "Suppress progress output during copy")),
      min_args=2, max_args=2, aliases=("container cp",)),
    C("rename", "CONTAINER NEW_NAME", "Rename a container", "containers:cmd_rename", min_args=2, max_args=2,
      aliases=("container rename",)),
    C("stats", "[OPTIONS] [CONTAINER...]", "Display a live stream of container(s) resource usage statistics",
      "containers:cmd_stats", (F("all", "a", "bool", False, "Show all containers (default shows just running)"),
                               F("no-stream", None, "bool", False, "Disable streaming stats and only pull the "
                                 "first result"), NO_TRUNC, FORMAT), aliases=("container stats",)),
    C("export", "[OPTIONS] CONTAINER", "Export a container's filesystem as a tar archive", "cp:cmd_export",
      (F("output", "o", "str", None, "Write to a file, instead of STDOUT"),), min_args=1, max_args=1,
      aliases=("container export",)),
    C("container prune", "[OPTIONS]", "Remove all stopped containers", "containers:cmd_prune", PRUNE_FLAGS,
      max_args=0),
    # --- images ---
    C("images", "[OPTIONS] [REPOSITORY[:TAG]]", "List images", "images:cmd_images", IMAGES_FLAGS, max_args=1,
      aliases=("image ls", "image list")),
    C("image inspect", "[OPTIONS] IMAGE [IMAGE...]", "Display detailed information on one or more images",
      "inspect:cmd_image_inspect", INSPECT_FLAGS[:1], min_args=1),
    C("history", "[OPTIONS] IMAGE", "Show the history of an image", "images:cmd_history",
      (F("human", "H", "bool", True, "Print sizes and dates in human readable format"), NO_TRUNC,
       F("quiet", "q", "bool", False, "Only show image IDs"), FORMAT), min_args=1, max_args=1,
      aliases=("image history",)),
    C("tag", "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
      "images:cmd_tag", min_args=2, max_args=2, aliases=("image tag",)),
    C("rmi", "[OPTIONS] IMAGE [IMAGE...]", "Remove one or more images", "images:cmd_rmi", RMI_FLAGS,
      min_args=1, aliases=("image rm", "image remove")),
    C("image prune", "[OPTIONS]", "Remove unused images", "images:cmd_prune",
      PRUNE_FLAGS + (F("all", "a", "bool", False, "Remove all unused images, not just dangling ones"),),
      max_args=0),
    C("import", "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]", "Import the contents from a tarball to create a "
      "filesystem image", "images:cmd_import", IMPORT_FLAGS, min_args=1, max_args=2, aliases=("image import",)),
    C("bootstrap", "[OPTIONS] busybox|debian [REPOSITORY[:TAG]]", "Make a base image offline: busybox:latest "
      "from the host's static busybox, debian:bookworm with debootstrap", "images:cmd_bootstrap",
      (F("suite", None, "str", "bookworm", "Debian suite for debootstrap"),
       F("mirror", None, "str", None, "Debian mirror for debootstrap")), min_args=1, max_args=2),
    # --- sharing ---
    C("pull", "[OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry", "share:cmd_pull",
      (F("platform", None, "str", None, "Set platform if server is multi-platform capable"),
       F("quiet", "q", "bool", False, "Suppress verbose output"),
       F("all-tags", "a", "bool", False, "Download all tagged images in the repository")),
      min_args=1, max_args=1, aliases=("image pull",)),
    C("push", "[OPTIONS] NAME[:TAG]", "Upload an image to a registry", "share:cmd_push",
      (F("quiet", "q", "bool", False, "Suppress verbose output"),
       F("all-tags", "a", "bool", False, "Push all tags of an image to the repository"),
       F("compression", None, "str", None, "Re-compress layers for the push: gzip or zstd")),
      min_args=1, max_args=1, aliases=("image push",)),
    C("login", "[OPTIONS] [SERVER]", "Authenticate to a registry", "share:cmd_login",
      (F("username", "u", "str", None, "Username"), F("password", "p", "str", None, "Password"),
       F("password-stdin", None, "bool", False, "Take the password from stdin")), max_args=1),
    C("logout", "[SERVER]", "Log out from a registry", "share:cmd_logout", max_args=1),
    C("save", "[OPTIONS] IMAGE [IMAGE...]", "Save one or more images to a tar archive (streamed to STDOUT by "
      "default)", "share:cmd_save", (F("output", "o", "str", None, "Write to a file, instead of STDOUT"),
                                     F("compression", None, "str", None, "Re-compress layers: gzip or zstd"),
                                     F("format", None, "str", "docker-archive", "docker-archive or oci-archive")),
      min_args=1, aliases=("image save",)),
    C("load", "[OPTIONS]", "Load an image from a tar archive or STDIN", "share:cmd_load",
      (F("input", "i", "str", None, "Read from tar archive file, instead of STDIN"),
       F("quiet", "q", "bool", False, "Suppress the load output")), max_args=0, aliases=("image load",)),
    C("commit", "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]", "Create a new image from a container's changes",
      "share:cmd_commit",
      (F("author", "a", "str", None, 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")'),
       F("change", "c", "list", None, "Apply Dockerfile instruction to the created image"),
       F("message", "m", "str", None, "Commit message"),
       F("pause", "p", "bool", True, "Pause container during commit")),
      min_args=1, max_args=2, aliases=("container commit",)),
    # --- build (issue 3) ---
    C("build", "[OPTIONS] PATH | -", "Build an image from a Dockerfile", "build:cmd_build",
      (F("tag", "t", "list", None, 'Name and optionally a tag in the "name:tag" format'),
       F("file", "f", "str", None, "Name of the Dockerfile (Default is 'PATH/Dockerfile')"),
       F("build-arg", None, "list", None, "Set build-time variables"),
       F("target", None, "str", None, "Set the target build stage to build"),
       F("no-cache", None, "bool", False, "Do not use cache when building the image"),
       F("label", None, "list", None, "Set metadata for an image"),
       F("quiet", "q", "bool", False, "Suppress the build output and print image ID on success"),
       F("iidfile", None, "str", None, "Write the image ID to the file"),
       F("network", None, "str", "default", "Set the networking mode for the RUN instructions during build"),
       F("secret", None, "list", None, 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]")'),
       F("progress", None, "str", "auto", "Set type of progress output (auto, plain, tty)"),
       F("platform", None, "str", None, "Set platform if server is multi-platform capable"),
       F("check", None, "bool", False, "Check the Dockerfile without building"),
       F("format", None, "str", None, "Output format for --check: text or json")),
      max_args=1, aliases=("image build", "builder build")),
    C("builder prune", "[OPTIONS]", "Remove build cache", "build:cmd_builder_prune",
      PRUNE_FLAGS + (F("all", "a", "bool", False, "Remove all unused build cache, not just dangling ones"),),
      max_args=0),
    # --- networks and volumes (issue 5) ---
    C("port", "CONTAINER [PRIVATE_PORT[/PROTO]]", "List port mappings or a specific mapping for the container",
      "network:cmd_port", min_args=1, max_args=2, aliases=("container port",)),
    C("network create", "[OPTIONS] NETWORK", "Create a network", "network:cmd_create",
      (F("driver", "d", "str", "bridge", "Driver to manage the Network"),
       F("subnet", None, "list", None, "Subnet in CIDR format that represents a network segment"),
       F("gateway", None, "list", None, "IPv4 or IPv6 Gateway for the master subnet"),
       F("internal", None, "bool", False, "Restrict external access to the network"),
       F("label", None, "list", None, "Set metadata on a network"),
       F("opt", "o", "list", None, "Set driver specific options")), min_args=1, max_args=1),
    C("network ls", "[OPTIONS]", "List networks", "network:cmd_ls",
      (F("filter", "f", "list", None, "Provide filter values"), FORMAT, NO_TRUNC,
       F("quiet", "q", "bool", False, "Only display network IDs")), max_args=0, aliases=("network list",)),
    C("network inspect", "[OPTIONS] NETWORK [NETWORK...]", "Display detailed information on one or more networks",
      "network:cmd_inspect", (INSPECT_FORMAT,), min_args=1),
    C("network rm", "NETWORK [NETWORK...]", "Remove one or more networks", "network:cmd_rm", min_args=1,
      aliases=("network remove",)),
    C("network prune", "[OPTIONS]", "Remove all unused networks", "network:cmd_prune", PRUNE_FLAGS, max_args=0),
    C("network connect", "[OPTIONS] NETWORK CONTAINER", "Connect a container to a network", "network:cmd_connect",
      (F("alias", None, "list", None, "Add network-scoped alias for the container"),
       F("ip", None, "str", None, "IPv4 address (e.g., 172.30.100.104)")), min_args=2, max_args=2),
    C("network disconnect", "[OPTIONS] NETWORK CONTAINER", "Disconnect a container from a network",
      "network:cmd_disconnect", (F("force", "f", "bool", False, "Force the container to disconnect from a network"),),
      min_args=2, max_args=2),
    C("volume create", "[OPTIONS] [VOLUME]", "Create a volume", "volume:cmd_create",
      (F("driver", "d", "str", "local", "Specify volume driver name"),
       F("label", None, "list", None, "Set metadata for a volume"),
       F("opt", "o", "list", None, "Set driver specific options"),
       F("name", None, "str", None, "Specify volume name", "", True)), max_args=1),
    C("volume ls", "[OPTIONS]", "List volumes", "volume:cmd_ls",
      (F("filter", "f", "list", None, "Provide filter values"), FORMAT,
       F("quiet", "q", "bool", False, "Only display volume names")), max_args=0, aliases=("volume list",)),
    C("volume inspect", "[OPTIONS] VOLUME [VOLUME...]", "Display detailed information on one or more volumes",
      "volume:cmd_inspect", (INSPECT_FORMAT,), min_args=1),
    C("volume rm", "[OPTIONS] VOLUME [VOLUME...]", "Remove one or more volumes", "volume:cmd_rm",
      (F("force", "f", "bool", False, "Force the removal of one or more volumes"),), min_args=1,
      aliases=("volume remove",)),
    C("volume prune", "[OPTIONS]", "Remove unused local volumes", "volume:cmd_prune",
      PRUNE_FLAGS + (F("all", "a", "bool", False, "Remove all unused volumes, not just anonymous ones"),),
      max_args=0),
    # --- system ---
    C("system df", "[OPTIONS]", "Show docker disk usage", "system:cmd_df",
      (F("verbose", "v", "bool", False, "Show detailed information on space usage"), FORMAT), max_args=0),
    C("system prune", "[OPTIONS]", "Remove unused data", "system:cmd_prune",
      PRUNE_FLAGS + (F("all", "a", "bool", False, "Remove all unused images not just dangling ones"),
                     F("volumes", None, "bool", False, "Prune anonymous volumes")), max_args=0),
    C("system check", "[OPTIONS]", "Verify the store: blobs, layers, images, containers, mounts",
      "system:cmd_check", (F("repair", None, "bool", False, "Remove garbage and repair what can be repaired"),),
      max_args=0),
    C("version", "[OPTIONS]", "Show the dockyard version information", "system:cmd_version", (FORMAT,),
      max_args=0),
    C("info", "[OPTIONS]", "Display system-wide information", "system:cmd_info", (FORMAT,), max_args=0,
      aliases=("system info",)),
)


def lookup() -> dict[str, Command]:
    table: dict[str, Command] = {}
    for c in COMMANDS:
        table[c.name] = c
        for a in c.aliases:
            table[a] = c
    return table


GROUPS = ("container", "image", "system", "network", "volume", "builder")
