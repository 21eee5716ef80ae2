//! Watching the repository: file system events (notify) filtered of editor noise and of
//! the output folder, then gathered into one batch per burst of saves.

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// How often a wait for events checks whether it should stop.
const POLL: Duration = Duration::from_millis(100);

/// One batch of changes, paths relative to the root.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Changed files (or directories), relative to the root.
    pub paths: BTreeSet<PathBuf>,
    /// The watcher lost events (queue overflow, error): rebuild everything.
    pub rescan: bool,
}

/// Whether `name` is an editor's temporary or backup file, or hidden.
pub fn is_noise(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913"
}

/// `path` relative to `root` when a change there matters: inside the root, outside the
/// output folder, and no component is editor noise or hidden.
pub fn relevant(root: &Path, out: &Path, path: &Path) -> Option<PathBuf> {
    if path.starts_with(out) {
        return None;
    }
    let rel = path.strip_prefix(root).ok()?;
    let noisy = rel.components().any(|c| is_noise(&c.as_os_str().to_string_lossy()));
    // `sed -i` writes a temporary `sedXXXXXX` beside the file it edits.
    let name = rel.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let sed_temp = name.len() == 9 && name.starts_with("sed") && name.chars().all(|c| c.is_ascii_alphanumeric());
    (!noisy && !sed_temp && !rel.as_os_str().is_empty()).then(|| rel.to_path_buf())
}

/// A recursive watch of the root that yields debounced batches.
pub struct Debouncer {
    rx: Receiver<notify::Result<notify::Event>>,
    watcher: RecommendedWatcher,
    root: PathBuf,
    out: PathBuf,
    window: Duration,
}

impl Debouncer {
    /// Watches `root` recursively; changes under `out` are ignored. Both paths must be
    /// absolute and canonical (as the watcher reports them).
    ///
    /// The root itself is watched alone and each of its folders recursively (a folder
    /// created later is added when it appears), so the output folder and the staging
    /// folders of a swap (hidden, beside it) are never watched: their thousands of files
    /// cannot overflow the event queue.
    pub fn new(root: &Path, out: &Path, window: Duration) -> Result<Self, String> {
        let (tx, rx) = channel();
        let watcher = notify::recommended_watcher(tx).map_err(|e| format!("watching {}: {e}", root.display()))?;
        let mut this = Self {
            rx,
            watcher,
            root: root.to_path_buf(),
            out: out.to_path_buf(),
            window,
        };
        this.watcher
            .watch(root, RecursiveMode::NonRecursive)
            .map_err(|e| format!("watching {}: {e}", root.display()))?;
        let entries = std::fs::read_dir(root).map_err(|e| format!("watching {}: {e}", root.display()))?;
        for entry in entries.flatten() {
            this.watch_folder(&entry.path());
        }
        Ok(this)
    }

    /// Watches a folder directly in the root recursively, unless it is hidden, editor
    /// noise or the output folder.
    fn watch_folder(&mut self, path: &Path) {
        if path.parent() == Some(self.root.as_path())
            && path.is_dir()
            && relevant(&self.root, &self.out, path).is_some()
            && !self.out.starts_with(path)
        {
            let _ = self.watcher.watch(path, RecursiveMode::Recursive);
        }
    }

    /// Adds one event to `batch`; returns whether it mattered.
    fn absorb(&mut self, event: notify::Result<notify::Event>, batch: &mut Batch) -> bool {
        let event = match event {
            Ok(e) => e,
            Err(_) => {
                batch.rescan = true;
                return true;
            }
        };
        if event.need_rescan() {
            batch.rescan = true;
            return true;
        }
        if matches!(event.kind, EventKind::Access(_)) {
            return false;
        }
        if matches!(
            event.kind,
            EventKind::Create(_) | EventKind::Modify(notify::event::ModifyKind::Name(_))
        ) {
            for path in &event.paths {
                self.watch_folder(path);
            }
        }
        let mut any = false;
        for path in &event.paths {
            if let Some(rel) = relevant(&self.root, &self.out, path) {
                batch.paths.insert(rel);
                any = true;
            }
        }
        any
    }

    /// Waits for the next batch: the first relevant change, then every change until the
    /// window passes quietly (at most 10 windows in all). `None` once `stop` is set or the
    /// watcher is gone.
    pub fn next(&mut self, stop: &AtomicBool) -> Option<Batch> {
        let mut batch = Batch::default();
        loop {
            if stop.load(Ordering::SeqCst) {
                return None;
            }
            match self.rx.recv_timeout(POLL) {
                Ok(event) => {
                    if self.absorb(event, &mut batch) {
                        break;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
        let start = Instant::now();
        let mut quiet_until = start + self.window;
        let hard_stop = start + self.window * 10;
        loop {
            let now = Instant::now();
            let until = quiet_until.min(hard_stop);
            if now >= until {
                return Some(batch);
            }
            match self.rx.recv_timeout(until - now) {
                Ok(event) => {
                    if self.absorb(event, &mut batch) {
                        quiet_until = Instant::now() + self.window;
                    }
                }
                Err(RecvTimeoutError::Timeout) => return Some(batch),
                Err(RecvTimeoutError::Disconnected) => return Some(batch),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_noise_and_output_are_ignored() {
        let root = Path::new("/r");
        let out = Path::new("/r/out");
        let rel = |p: &str| relevant(root, out, Path::new(p));
        assert_eq!(rel("/r/tenants/a.yaml"), Some(PathBuf::from("tenants/a.yaml")));
        for noise in [
            "/r/tenants/a.yaml~",
            "/r/tenants/.a.yaml.swp",
            "/r/tenants/a.yaml.tmp",
            "/r/tenants/4913",
            "/r/tenants/sedAb12Cd",
        ] {
            assert_eq!(rel(noise), None, "{noise}");
        }
        assert!(rel("/r/tenants/sedAb12Cd/production.yaml").is_some());
        for noise in [
            "/r/.git/index",
            "/r/out/dev/prometheus/prometheus.yml",
            "/r/.strata-staging-x/a",
            "/elsewhere/a.yaml",
        ] {
            assert_eq!(rel(noise), None, "{noise}");
        }
    }
}
