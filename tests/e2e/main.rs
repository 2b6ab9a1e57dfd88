//! End-to-end tests: the built `lanner` binary and plugin components, used as
//! an operator would use them.

mod hostile;
mod plugins;
mod rules;
mod syscall;
mod webhook;
