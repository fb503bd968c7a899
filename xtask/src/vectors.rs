//! Pinned vectors: where they are, whether they match their pins, and downloading them.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use sonet_testkit::vectors::{
    read_checked, vector_root, Entry, Manifest, Unpack, VectorFileError, VECTORS_ENV,
};

use sonet_report::model::{FileStatus, VectorCheck, VectorFileStatus};

/// Where upstream files are downloaded from: `{base}/{repo}/{commit}/{upstream_path}`.
pub const DEFAULT_BASE_URL: &str = "https://raw.githubusercontent.com";
pub const BASE_URL_ENV: &str = "SONET_VECTORS_BASE_URL";

/// The per-user cache folder used when `SONET_VECTORS` is unset.
pub fn cache_dir() -> Result<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(".cache"))
            .ok_or_else(|| anyhow!("neither {VECTORS_ENV}, XDG_CACHE_HOME nor HOME is set"))?,
    };
    Ok(base.join("sonet").join("vectors"))
}

/// The vector root for a run: `SONET_VECTORS` as given, or the cache folder, filled from
/// upstream first.
pub fn resolve_root(manifest: &Manifest) -> Result<PathBuf> {
    if let Some(dir) = vector_root() {
        let dir = if dir.is_absolute() {
            dir
        } else {
            std::env::current_dir()?.join(dir)
        };
        eprintln!("vectors: {VECTORS_ENV}={}", dir.display());
        return Ok(dir);
    }
    let cache = cache_dir()?;
    eprintln!(
        "vectors: {VECTORS_ENV} is not set; using the cache {} (fetching what is missing)",
        cache.display()
    );
    let base = base_url();
    fetch(manifest, &cache, &base, true).with_context(|| {
        format!(
            "cannot download the pinned vectors into {} from {base}. Without network access, set \
             {VECTORS_ENV} to a folder that already holds them (for example a copy of shared/vectors)",
            cache.display()
        )
    })?;
    Ok(cache)
}

pub fn base_url() -> String {
    std::env::var(BASE_URL_ENV).unwrap_or_else(|_| DEFAULT_BASE_URL.to_owned())
}

/// Checks every pinned file under `root`.
pub fn check(manifest: &Manifest, root: &Path) -> VectorCheck {
    let files = manifest
        .check_all(root)
        .into_iter()
        .map(|(entry, result)| {
            let (status, detail) = match result {
                Ok(()) => (FileStatus::Ok, String::new()),
                Err(e @ VectorFileError::Missing { .. }) => (FileStatus::Missing, e.to_string()),
                Err(e @ VectorFileError::Altered { .. }) => (FileStatus::Altered, e.to_string()),
                Err(e) => (FileStatus::Unreadable, e.to_string()),
            };
            VectorFileStatus {
                path: entry.path,
                repo: entry.repo,
                commit: entry.commit,
                upstream_path: entry.upstream_path,
                sha256: entry.sha256,
                size: entry.size,
                license: entry.license,
                status,
                detail,
            }
        })
        .collect();
    VectorCheck {
        root: root.display().to_string(),
        files,
    }
}

pub fn upstream_url(base: &str, entry: &Entry) -> String {
    format!(
        "{}/{}/{}/{}",
        base.trim_end_matches('/'),
        entry.repo,
        entry.commit,
        entry.upstream_path
    )
}

/// Downloads every pinned file that is missing or altered under `dest`, unpacks it where the
/// manifest says so, and checks it against its pin before writing it.
pub fn fetch(manifest: &Manifest, dest: &Path, base: &str, progress: bool) -> Result<usize> {
    let todo: Vec<&Entry> = manifest
        .files
        .iter()
        .filter(|e| read_checked(dest, e).is_err())
        .collect();
    if todo.is_empty() {
        if progress {
            eprintln!(
                "vectors: all {} pinned files present and intact",
                manifest.files.len()
            );
        }
        return Ok(0);
    }
    let total_bytes: u64 = todo.iter().map(|e| e.size).sum();
    let mut done_bytes = 0u64;
    for (index, entry) in todo.iter().enumerate() {
        if progress {
            eprintln!(
                "vectors: [{}/{}] {} ({} KiB; {} of {} KiB done)",
                index + 1,
                todo.len(),
                entry.path,
                entry.size / 1024,
                done_bytes / 1024,
                total_bytes / 1024
            );
        }
        let bytes = download(&upstream_url(base, entry))
            .with_context(|| format!("fetching {} from {}", entry.path, entry.repo))?;
        let bytes = unpack(entry, bytes)?;
        entry
            .check(&bytes)
            .map_err(|e| anyhow!("{e} (downloaded from {})", upstream_url(base, entry)))?;
        let target = dest.join(&entry.path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        let partial = target.with_extension("partial");
        std::fs::write(&partial, &bytes)
            .with_context(|| format!("writing {}", partial.display()))?;
        std::fs::rename(&partial, &target)
            .with_context(|| format!("moving into place {}", target.display()))?;
        done_bytes += entry.size;
    }
    Ok(todo.len())
}

fn download(url: &str) -> Result<Vec<u8>> {
    let mut response = ureq::get(url)
        .call()
        .map_err(|e| anyhow!("GET {url}: {e}"))?;
    response
        .body_mut()
        .with_config()
        .limit(256 * 1024 * 1024)
        .read_to_vec()
        .map_err(|e| anyhow!("GET {url}: {e}"))
}

fn unpack(entry: &Entry, bytes: Vec<u8>) -> Result<Vec<u8>> {
    match entry.unpack {
        None => Ok(bytes),
        Some(Unpack::Gunzip) => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(bytes.as_slice())
                .read_to_end(&mut out)
                .with_context(|| format!("gunzip of {}", entry.upstream_path))?;
            Ok(out)
        }
        Some(Unpack::Unzip) => {
            let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
                .with_context(|| format!("opening zip {}", entry.upstream_path))?;
            if archive.len() != 1 {
                bail!(
                    "{} holds {} entries; expected exactly one",
                    entry.upstream_path,
                    archive.len()
                );
            }
            let mut file = archive
                .by_index(0)
                .with_context(|| format!("reading zip {}", entry.upstream_path))?;
            let mut out = Vec::new();
            file.read_to_end(&mut out)
                .with_context(|| format!("unzip of {}", entry.upstream_path))?;
            Ok(out)
        }
    }
}

/// Prints one line per bad file (naming both hashes) and a summary; true when all are intact.
pub fn print_check(check: &VectorCheck) -> bool {
    let bad: Vec<&VectorFileStatus> = check
        .files
        .iter()
        .filter(|f| f.status != FileStatus::Ok)
        .collect();
    for file in &bad {
        eprintln!("vectors: {}", file.detail);
    }
    eprintln!(
        "vectors: {} of {} pinned files intact under {}",
        check.files.len() - bad.len(),
        check.files.len(),
        check.root
    );
    bad.is_empty()
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use super::*;
    use sonet_testkit::vectors::sha256_hex;

    /// A minimal HTTP/1.1 file server on 127.0.0.1 serving `root`; stops when dropped.
    struct FileServer {
        base: String,
        stop: Arc<AtomicBool>,
        handle: Option<std::thread::JoinHandle<()>>,
    }

    impl FileServer {
        fn start(root: PathBuf) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.set_nonblocking(true).unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let stop = Arc::new(AtomicBool::new(false));
            let stop_flag = Arc::clone(&stop);
            let handle = std::thread::spawn(move || {
                while !stop_flag.load(Ordering::Relaxed) {
                    let Ok((mut stream, _)) = listener.accept() else {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        continue;
                    };
                    stream.set_nonblocking(false).unwrap();
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut request_line = String::new();
                    reader.read_line(&mut request_line).unwrap();
                    loop {
                        let mut header = String::new();
                        if reader.read_line(&mut header).unwrap() == 0 || header == "\r\n" {
                            break;
                        }
                    }
                    let path = request_line
                        .split_whitespace()
                        .nth(1)
                        .unwrap_or("/")
                        .to_owned();
                    let file = root.join(path.trim_start_matches('/'));
                    let response = match std::fs::read(&file) {
                        Ok(body) => {
                            let mut r = format!(
                                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                                body.len()
                            )
                            .into_bytes();
                            r.extend(body);
                            r
                        }
                        Err(_) => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
                    };
                    let _ = stream.write_all(&response);
                }
            });
            Self {
                base,
                stop,
                handle: Some(handle),
            }
        }
    }

    impl Drop for FileServer {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::Relaxed);
            if let Some(h) = self.handle.take() {
                let _ = h.join();
            }
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sonet-xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entry(path: &str, upstream: &str, content: &[u8], unpack: Option<Unpack>) -> Entry {
        Entry {
            path: path.into(),
            repo: "owner/repo".into(),
            commit: "c".repeat(40),
            upstream_path: upstream.into(),
            sha256: sha256_hex(content),
            size: content.len() as u64,
            unpack,
            license: String::new(),
        }
    }

    /// Lays out `served/owner/repo/ccc…/<upstream>` as the upstream host would.
    fn serve(served: &Path, e: &Entry, bytes: &[u8]) {
        let path = served.join(&e.repo).join(&e.commit).join(&e.upstream_path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn fetch_downloads_unpacks_and_checks_every_pinned_file() {
        let served = temp_dir("served");
        let dest = temp_dir("dest");
        let plain = b"{\"plain\": true}".to_vec();
        let gz_content = b"gzip payload ".repeat(100);
        let zip_content = b"zip payload ".repeat(100);

        let e_plain = entry("a/plain.json", "data/plain.json", &plain, None);
        let e_gz = entry(
            "b/unzipped.json",
            "data/file.json.gz",
            &gz_content,
            Some(Unpack::Gunzip),
        );
        let e_zip = entry(
            "c/inner.json",
            "data/file.json.zip",
            &zip_content,
            Some(Unpack::Unzip),
        );

        serve(&served, &e_plain, &plain);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&gz_content).unwrap();
        serve(&served, &e_gz, &gz.finish().unwrap());
        let mut zip_bytes = std::io::Cursor::new(Vec::new());
        {
            let mut writer = zip::ZipWriter::new(&mut zip_bytes);
            writer
                .start_file("file.json", zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(&zip_content).unwrap();
            writer.finish().unwrap();
        }
        serve(&served, &e_zip, zip_bytes.get_ref());

        let manifest = Manifest {
            files: vec![e_plain.clone(), e_gz.clone(), e_zip.clone()],
        };
        let server = FileServer::start(served.clone());
        assert_eq!(fetch(&manifest, &dest, &server.base, false).unwrap(), 3);
        assert_eq!(std::fs::read(dest.join("a/plain.json")).unwrap(), plain);
        assert_eq!(
            std::fs::read(dest.join("b/unzipped.json")).unwrap(),
            gz_content
        );
        assert_eq!(
            std::fs::read(dest.join("c/inner.json")).unwrap(),
            zip_content
        );
        assert!(check(&manifest, &dest)
            .files
            .iter()
            .all(|f| f.status == FileStatus::Ok));
        // A second run has nothing left to do.
        assert_eq!(fetch(&manifest, &dest, &server.base, false).unwrap(), 0);

        // A local file altered by one byte is detected and fetched again.
        std::fs::write(dest.join("a/plain.json"), b"{\"plain\": tru3}").unwrap();
        let checked = check(&manifest, &dest);
        let altered = &checked.files[0];
        assert_eq!(altered.status, FileStatus::Altered);
        assert!(
            altered.detail.contains("a/plain.json") && altered.detail.contains(&e_plain.sha256)
        );
        assert_eq!(fetch(&manifest, &dest, &server.base, false).unwrap(), 1);
        assert_eq!(std::fs::read(dest.join("a/plain.json")).unwrap(), plain);
    }

    #[test]
    fn fetch_rejects_an_upstream_file_that_does_not_match_its_pin() {
        let served = temp_dir("served-bad");
        let dest = temp_dir("dest-bad");
        let pinned = b"the pinned content".to_vec();
        let e = entry("x/file.txt", "up/file.txt", &pinned, None);
        serve(&served, &e, b"something else entirely");
        let manifest = Manifest {
            files: vec![e.clone()],
        };
        let server = FileServer::start(served);
        let err = format!(
            "{:#}",
            fetch(&manifest, &dest, &server.base, false).unwrap_err()
        );
        assert!(err.contains("x/file.txt"), "{err}");
        assert!(err.contains(&e.sha256), "{err}");
        assert!(
            err.contains(&sha256_hex(b"something else entirely")),
            "{err}"
        );
        assert!(!dest.join("x/file.txt").exists());
    }

    #[test]
    fn fetch_reports_a_missing_upstream_file_by_name() {
        let served = temp_dir("served-404");
        let dest = temp_dir("dest-404");
        let e = entry("y/gone.json", "up/gone.json", b"x", None);
        let manifest = Manifest { files: vec![e] };
        let server = FileServer::start(served);
        let err = format!(
            "{:#}",
            fetch(&manifest, &dest, &server.base, false).unwrap_err()
        );
        assert!(err.contains("y/gone.json") && err.contains("404"), "{err}");
    }

    #[test]
    fn upstream_urls_name_repo_commit_and_path() {
        let e = entry("p", "dir/f.json", b"x", None);
        assert_eq!(
            upstream_url("https://host/", &e),
            format!("https://host/owner/repo/{}/dir/f.json", "c".repeat(40))
        );
    }
}
