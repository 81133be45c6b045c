//! JWT validation by the authorized reference server's validator
//! (reference-servers/src/authorized/validate.rs), the work it does on every
//! request. The test authorization server runs in-process on loopback only to
//! publish its keys; the first validation fetches and caches them, so what is
//! measured is a warm validation (header, algorithm, key lookup, RS256
//! signature and claims), as for each new token, and a repeat of a token
//! already verified (served from the validator's cache, exp/nbf rechecked), as
//! on every later call with it.

use criterion::{Criterion, criterion_group, criterion_main};
use mcpcheck::oauth::server;
use reference_servers::{FaultSet, KeySource, authorized::Validator};
use std::hint::black_box;
use std::time::Duration;

const AUDIENCE: &str = "http://127.0.0.1:1/mcp";

fn validate(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build();
    let Ok(rt) = rt else { return };
    let setup = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.ok()?;
        let running = server::spawn(listener, None, FaultSet::default()).await.ok()?;
        let token = running.server.minter.access_token(AUDIENCE, "mcp:tools", "bench").ok()?;
        let validator = Validator::new(running.url.clone(), AUDIENCE.into(), KeySource::Discover);
        // Warm the key cache; a failure here means the bench would measure errors.
        validator.validate(&token).await.ok()?;
        Some((running, token, validator))
    });
    let Some((_running, token, validator)) = setup else {
        eprintln!("jwt bench: could not set up the authorization server");
        return;
    };
    let mut g = c.benchmark_group("jwt");
    // The full validation, as for a token never seen before (the cache of
    // verified tokens emptied each time; the keys stay cached).
    g.bench_function("validate RS256 access token (keys cached)", |b| {
        b.iter(|| {
            validator.forget_tokens();
            rt.block_on(validator.validate(black_box(&token))).is_ok()
        })
    });
    // A token already verified: what every later call with it costs.
    g.bench_function("validate RS256 access token (verified before)", |b| {
        b.iter(|| rt.block_on(validator.validate(black_box(&token))).is_ok())
    });
    let tampered = mcpcheck::oauth::mint::tamper_signature(&token).unwrap_or_default();
    g.bench_function("reject bad signature", |b| {
        b.iter(|| rt.block_on(validator.validate(black_box(&tampered))).is_err())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    targets = validate
}
criterion_main!(benches);
