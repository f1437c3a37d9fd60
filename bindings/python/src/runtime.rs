//! The one tokio runtime (pyo3-async-runtimes') behind both APIs.
//!
//! - Sync: [`block`] spawns the SDK future on the runtime and waits for its result with the
//!   GIL released, on a plain channel with a timeout (the OS's timed wait, not the runtime's
//!   timers, so it needs nothing from the runtime's one worker); between slices it
//!   re-attaches and calls `PyErr_CheckSignals`, so Ctrl-C interrupts any call (a 60 s
//!   `wait_for_connection` included) within [`SIGNAL_SLICE`], and the task is aborted.
//! - Async: [`awaitable`] hands the future to `future_into_py`: the awaitable resolves on the
//!   caller's asyncio loop, the work runs on the shared runtime.

use std::future::Future;
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::errors::to_pyerr;

/// How long the GIL stays released before signals are checked again.
const SIGNAL_SLICE: Duration = Duration::from_millis(50);

/// Sets up the shared runtime (before its first use): one worker thread.
///
/// A client's work is waiting on sockets; one worker runs every request and its
/// connection's task without handing them between threads. With a worker per core, each call
/// woke a second worker and idle workers searched for work before parking: 80% of the
/// client's CPU was on worker threads, most of it in context switches (perf, see
/// `benches/authorize_rate.py`).
pub(crate) fn configure() {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder
        .worker_threads(WORKERS)
        .thread_name("composio-rs")
        .enable_all();
    pyo3_async_runtimes::tokio::init(builder);
}

/// Worker threads of the shared runtime.
const WORKERS: usize = 1;

/// Runs `fut` to completion on the shared runtime, without the GIL, interruptible by
/// Python signals (KeyboardInterrupt).
pub(crate) fn block<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = composio::Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let rt = pyo3_async_runtimes::tokio::get_runtime();
    let (tx, mut rx) = std::sync::mpsc::sync_channel(1);
    let handle = rt.spawn(async move {
        let _ = tx.send(fut.await);
    });
    loop {
        // The receiver is not `Sync`: it goes into the detached closure and comes back.
        let (back, step) = py.detach(move || {
            let step = rx.recv_timeout(SIGNAL_SLICE);
            (rx, step)
        });
        rx = back;
        match step {
            Ok(result) => return result.map_err(|e| to_pyerr(py, e)),
            Err(RecvTimeoutError::Timeout) => {
                if let Err(interrupt) = py.check_signals() {
                    handle.abort();
                    return Err(interrupt);
                }
            }
            // The task ended without a result: it panicked.
            Err(RecvTimeoutError::Disconnected) => {
                let why = py
                    .detach(|| rt.block_on(handle))
                    .err()
                    .map_or_else(|| "no result".to_owned(), |e| e.to_string());
                return Err(PyRuntimeError::new_err(format!(
                    "composio_rs internal task failed: {why}"
                )));
            }
        }
    }
}

/// Wraps `fut` as a Python awaitable running on the shared runtime.
pub(crate) fn awaitable<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = composio::Result<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        fut.await.map_err(|e| Python::attach(|py| to_pyerr(py, e)))
    })
}
