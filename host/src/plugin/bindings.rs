//! Host-side bindings generated from the `wit/` package: the single source of the ABI.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "source-plugin",
});
