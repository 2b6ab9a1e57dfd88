//! End-to-end tests: the built `lanner` binary and plugin components, used as
//! an operator would use them.

mod default_k8s_rules;
mod hostile;
mod k8s_audit;
mod k8s_cases;
mod limits;
mod plugins;
mod rules;
mod sdk_example;
mod source_panic;
mod syscall;
mod syscall_attacks;
mod syscall_capture;
mod syscall_hostile_container;
mod trust;
mod webhook;
mod webhook_attacks;
