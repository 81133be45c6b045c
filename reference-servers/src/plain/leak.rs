//! The plain server's one fault that no single exchange shows: memory kept
//! for every call, which `mcpcheck bench`'s `memory-growth` finding names.
//! Apart from the handler so that the handler reads as a correct server.

/// The `leak-per-call` fault: 64 KiB kept for every tools/call and never
/// freed, up to 1 GiB in all so the fault cannot take the machine down. The
/// bytes are written (not zeroed), so they count in the resident set.
pub(super) fn leak_one_call() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    const PER_CALL: usize = 64 * 1024;
    const MOST: usize = 1 << 30;
    static KEPT: AtomicUsize = AtomicUsize::new(0);
    if KEPT.fetch_add(PER_CALL, Ordering::Relaxed) < MOST {
        std::mem::forget(std::hint::black_box(vec![0xA5u8; PER_CALL]));
    }
}
