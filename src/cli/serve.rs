//! The bounds `mcpcheck serve` holds its HTTP servers to: one flag per field
//! of the reference servers' `Limits`, each defaulting to that field's
//! default, so `--help` states what a server copied from here does under
//! abuse.

use clap::Args;
use reference_servers::Limits;
use std::time::Duration;

use super::parse_duration;

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Limits (HTTP only)")]
pub struct LimitArgs {
    /// Largest request body in bytes; a larger one gets 413.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::MAX_BODY)]
    pub max_body: usize,
    /// Largest request head (request line and header fields) in bytes; a larger one gets 431.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::MAX_HEADER_BYTES)]
    pub max_header_bytes: usize,
    /// Most header fields in one request; more get 431.
    #[arg(long, value_name = "N", default_value_t = Limits::MAX_HEADERS)]
    pub max_headers: usize,
    /// Longest wait for a complete request head before the connection is closed (slowloris).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub header_timeout: Duration,
    /// Longest time from a request's arrival to its response head; past it, 408.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub request_timeout: Duration,
    /// Most requests handled at once; past it a request gets 503 at once.
    #[arg(long, value_name = "N", default_value_t = Limits::MAX_IN_FLIGHT)]
    pub max_in_flight: usize,
    /// Most live MCP sessions; past it an `initialize` gets 503 naming the bound.
    #[arg(long, value_name = "N", default_value_t = Limits::MAX_SESSIONS)]
    pub max_sessions: usize,
    /// How long a session may go without a message before it is dropped.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub session_idle: Duration,
}

impl LimitArgs {
    /// The limits these flags describe.
    pub fn limits(&self) -> Limits {
        Limits {
            max_body: self.max_body,
            max_header_bytes: self.max_header_bytes,
            max_headers: self.max_headers,
            header_read_timeout: self.header_timeout,
            request_timeout: self.request_timeout,
            max_in_flight: self.max_in_flight,
            max_sessions: self.max_sessions,
            session_idle: self.session_idle,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        limits: LimitArgs,
    }

    #[test]
    fn no_flags_are_the_servers_own_defaults() {
        let flags = Flags::try_parse_from(["serve"]).expect("parses");
        assert_eq!(flags.limits.limits(), Limits::default());
    }

    #[test]
    fn each_flag_sets_its_bound() {
        let flags = Flags::try_parse_from([
            "serve",
            "--max-body=10",
            "--max-header-bytes=11",
            "--max-headers=12",
            "--header-timeout=1s",
            "--request-timeout=2s",
            "--max-in-flight=13",
            "--max-sessions=14",
            "--session-idle=3s",
        ])
        .expect("parses");
        let expected = Limits {
            max_body: 10,
            max_header_bytes: 11,
            max_headers: 12,
            header_read_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(2),
            max_in_flight: 13,
            max_sessions: 14,
            session_idle: Duration::from_secs(3),
        };
        assert_eq!(flags.limits.limits(), expected);
    }
}
