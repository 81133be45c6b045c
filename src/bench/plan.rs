//! What a run will do, decided and validated before any traffic: the load
//! model, the bounds, and the call. Everything a user can get wrong is
//! refused here, so a bad flag never costs a half-run.

use serde_json::{Value, json};
use std::time::Duration;

/// The duration of a run given neither --duration nor --requests.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(10);
/// Closed-model users when --users is not given.
pub const DEFAULT_USERS: u32 = 8;
/// Open model: calls in flight at most, when --users is not given.
pub const DEFAULT_OPEN_IN_FLIGHT: u32 = 64;
/// Upper bounds, so a typo cannot start a run that never ends.
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 3600);
pub const MAX_RATE: f64 = 10_000_000.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Model {
    /// `users` loops, each sending its next call when the last one is answered.
    Closed { users: u32, ramp_up: Duration },
    /// Calls due every 1/rate seconds, at most `in_flight` at once.
    Open { rate: f64, in_flight: u32 },
}

impl Model {
    /// Sessions the run opens.
    pub fn sessions(&self) -> u32 {
        match *self {
            Model::Closed { users, .. } => users,
            Model::Open { in_flight, .. } => in_flight,
        }
    }
}

/// The call every user repeats.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub method: String,
    pub params: Option<Value>,
}

impl Call {
    /// `tools/call NAME` or the bare method, for the console.
    pub fn describe(&self) -> String {
        match self.params.as_ref().and_then(|p| p.get("name")).and_then(Value::as_str) {
            Some(name) if self.method == "tools/call" => format!("tools/call {name}"),
            _ => self.method.clone(),
        }
    }
}

/// What the command line asked for, before it is checked: every field is
/// the flag of the same name (`users` is one step of a `--users` sweep).
#[derive(Debug, Clone, Default)]
pub struct Input<'a> {
    pub users: Option<u32>,
    pub rate: Option<&'a str>,
    pub ramp_up: Option<Duration>,
    pub duration: Option<Duration>,
    pub requests: Option<u64>,
    pub call: Option<&'a str>,
    pub tool: Option<&'a str>,
    pub args: Option<&'a str>,
    pub timeout: Duration,
    pub sessions: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub model: Model,
    /// The run stops at this time after the start, whatever else.
    pub duration: Duration,
    /// And after this many calls, when given.
    pub requests: Option<u64>,
    pub call: Call,
    pub timeout: Duration,
    /// `--sessions K`: the users share K sessions instead of one each.
    pub shared_sessions: Option<u32>,
}

impl Plan {
    pub fn from_input(a: &Input) -> Result<Plan, String> {
        let model = match a.rate {
            Some(r) => {
                if a.ramp_up.is_some() {
                    return Err("--ramp-up applies to the closed model (--users), not to --rate".into());
                }
                Model::Open { rate: parse_rate(r)?, in_flight: a.users.unwrap_or(DEFAULT_OPEN_IN_FLIGHT) }
            }
            None => Model::Closed {
                users: a.users.unwrap_or(DEFAULT_USERS),
                ramp_up: a.ramp_up.unwrap_or(Duration::ZERO),
            },
        };
        // Bounded whatever the flags: --requests alone still stops at the
        // longest duration; nothing runs for ever.
        let duration = match (a.duration, a.requests) {
            (Some(d), _) => d,
            (None, Some(_)) => MAX_DURATION,
            (None, None) => DEFAULT_DURATION,
        };
        if duration > MAX_DURATION {
            return Err(format!("--duration is at most {}", humantime::format_duration(MAX_DURATION)));
        }
        if let Model::Closed { ramp_up, .. } = model
            && ramp_up >= duration
        {
            return Err("--ramp-up must be shorter than --duration".into());
        }
        Ok(Plan {
            model,
            duration,
            requests: a.requests,
            call: call(a.call, a.tool, a.args)?,
            timeout: a.timeout,
            shared_sessions: a.sessions,
        })
    }
}

/// `500`, `500/s`, `2.5/s`.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let n = s.trim().strip_suffix("/s").unwrap_or(s.trim());
    match n.trim().parse::<f64>() {
        Ok(r) if r > 0.0 && r <= MAX_RATE => Ok(r),
        Ok(_) => Err(format!("--rate {s:?}: must be above 0 and at most {MAX_RATE}/s")),
        Err(_) => Err(format!("--rate {s:?} is not a rate such as 500/s")),
    }
}

fn call(method: Option<&str>, tool: Option<&str>, args: Option<&str>) -> Result<Call, String> {
    let args = match args {
        None => None,
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(v @ Value::Object(_)) => Some(v),
            Ok(_) => return Err(format!("--args {text:?} is not a JSON object")),
            Err(e) => return Err(format!("--args is not JSON: {e}")),
        },
    };
    let method = method.unwrap_or(if tool.is_some() { "tools/call" } else { "tools/list" });
    if method.is_empty() {
        return Err("--call needs a method name".into());
    }
    let params = match (method, tool) {
        ("tools/call", Some(name)) => {
            Some(json!({"name": name, "arguments": args.unwrap_or_else(|| json!({}))}))
        }
        ("tools/call", None) => return Err("--call tools/call needs --tool NAME".into()),
        (_, Some(_)) => return Err("--tool applies to --call tools/call only".into()),
        (_, None) => args,
    };
    Ok(Call { method: method.to_string(), params })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert_eq!(parse_rate("500/s"), Ok(500.0));
        assert_eq!(parse_rate("2.5"), Ok(2.5));
        assert!(parse_rate("0/s").is_err());
        assert!(parse_rate("fast").is_err());
    }

    #[test]
    fn calls() {
        let c = call(None, Some("echo"), Some(r#"{"message":"hi"}"#)).unwrap();
        assert_eq!(c.method, "tools/call");
        assert_eq!(c.params, Some(json!({"name": "echo", "arguments": {"message": "hi"}})));
        assert_eq!(call(None, None, None).unwrap().method, "tools/list");
        assert!(call(Some("tools/call"), None, None).is_err());
        assert!(call(Some("ping"), Some("x"), None).is_err());
        assert!(call(None, Some("x"), Some("[1]")).is_err());
    }
}
