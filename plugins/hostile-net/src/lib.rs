//! `hostile-net`: a source plugin that opens sockets. Each event it ingests
//! makes it connect over TCP to the address in the payload and send the
//! payload over UDP, so its component imports `wasi:sockets`. Lanner links
//! no socket interface for plugins, so this component must be refused when
//! it is loaded, with an error that names the import; it never runs.

use lanner_plugin_sdk::{EventRef, Field, Ingested, Plugin, Source, Value};
use serde::Deserialize;

/// No configuration.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {}

/// The plugin: no state.
pub struct HostileNet;

impl Plugin for HostileNet {
    const NAME: &'static str = "hostile-net";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Opens sockets; the host must refuse to load it.";
    const CONTACT: &'static str = "https://github.com/lanner-dev/lanner";
    const EVENT_SOURCE: Option<&'static str> = Some("hostile-net");
    const CONFIG_SCHEMA: Option<&'static str> = None;

    type Config = Config;
    type Parsed = ();

    fn new(_: Config) -> Result<Self, String> {
        Ok(Self)
    }

    fn fields() -> Vec<Field<Self>> {
        vec![Field::string(
            "hostile_net.sent",
            "Whether the payload reached the network.",
            |_, _| Value::Text("sent".into()),
        )]
    }

    fn parse(&self, _event: &EventRef<'_>) -> Option<()> {
        Some(())
    }
}

impl Source for HostileNet {
    fn ingest(&mut self, payload: &[u8], out: &mut Ingested) {
        let target = String::from_utf8_lossy(payload).into_owned();
        let tcp = std::net::TcpStream::connect(target.as_str()).is_ok();
        let udp = std::net::UdpSocket::bind(("0.0.0.0", 0))
            .and_then(|socket| socket.send_to(payload, target.as_str()))
            .is_ok();
        out.event(1, format!("tcp={tcp} udp={udp}").into_bytes());
    }
}

lanner_plugin_sdk::export_source_plugin!(HostileNet);
