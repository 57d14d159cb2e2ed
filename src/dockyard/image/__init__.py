"""Images: one lazy protocol spoken by the local store, registries and archives."""
