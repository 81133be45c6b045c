//! TEMPORARY stub with the agreed API, replaced by the real crate on merge.
use std::future::Future;
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    X,
}
#[derive(Debug, Clone, Default)]
pub struct FaultSet(Vec<Fault>);
#[derive(Debug, thiserror::Error)]
#[error("unknown fault {0}")]
pub struct UnknownFault(pub String);
impl FaultSet {
    pub fn parse(_n: &[String]) -> Result<FaultSet, UnknownFault> {
        Ok(FaultSet::default())
    }
    pub fn is_empty(&self) -> bool {
        true
    }
}
pub struct FaultSpec {
    pub fault: Fault,
    pub name: &'static str,
    pub breaks: &'static [&'static str],
    pub description: &'static str,
}
pub const CATALOGUE: &[FaultSpec] = &[];
pub struct HttpOptions {
    pub path: String,
    pub faults: FaultSet,
}
pub async fn serve_plain_http(
    _l: tokio::net::TcpListener,
    _o: HttpOptions,
    _s: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    Ok(())
}
pub async fn serve_plain_stdio(_f: FaultSet) -> anyhow::Result<()> {
    Ok(())
}
