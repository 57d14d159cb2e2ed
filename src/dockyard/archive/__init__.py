"""Image archives: ``docker save``/``docker load`` tars and OCI layouts, as Image sources and sinks."""
