//! The ACME cache in `data/acme/`: the account key and the certificate with its key, each
//! written whole (a temporary file renamed into place) and readable by Novi's user only (0600),
//! so a restart serves the same certificate instead of asking for a new one, and Let's
//! Encrypt's rate limits are never spent on restarts.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use async_trait::async_trait;
use rustls_acme::{AccountCache, CertCache};
use sha2::{Digest, Sha256};

pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// Makes `dir` (0700) if it is not there.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot restrict {}", dir.display()))?;
        }
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    /// One file per ACME server and domains (or contact): a certificate from a test server is
    /// never served as if it came from Let's Encrypt.
    fn name(kind: &str, parts: &[String], directory: &str) -> String {
        let mut hash = Sha256::new();
        for part in parts {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        hash.update(directory.as_bytes());
        format!("{kind}-{}", hex::encode(&hash.finalize()[..8]))
    }

    async fn read(&self, name: String) -> io::Result<Option<Vec<u8>>> {
        let path = self.dir.join(name);
        let read = tokio::task::spawn_blocking(move || std::fs::read(path));
        match read.await.map_err(io::Error::other)? {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn write(&self, name: String, bytes: &[u8]) -> io::Result<()> {
        let (dir, bytes) = (self.dir.clone(), bytes.to_vec());
        let write = tokio::task::spawn_blocking(move || write_private(&dir, &name, &bytes));
        write.await.map_err(io::Error::other)?
    }
}

/// Writes `dir/name` whole: a temporary file (created 0600) synced, then renamed over it.
fn write_private(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(dir.join(name)).map_err(|e| e.error)?;
    Ok(())
}

#[async_trait]
impl CertCache for Cache {
    type EC = io::Error;

    async fn load_cert(&self, domains: &[String], directory: &str) -> io::Result<Option<Vec<u8>>> {
        self.read(Self::name("cert", domains, directory)).await
    }

    async fn store_cert(&self, domains: &[String], directory: &str, cert: &[u8]) -> io::Result<()> {
        self.write(Self::name("cert", domains, directory), cert)
            .await
    }
}

#[async_trait]
impl AccountCache for Cache {
    type EA = io::Error;

    async fn load_account(
        &self,
        contact: &[String],
        directory: &str,
    ) -> io::Result<Option<Vec<u8>>> {
        self.read(Self::name("account", contact, directory)).await
    }

    async fn store_account(
        &self,
        contact: &[String],
        directory: &str,
        key: &[u8],
    ) -> io::Result<()> {
        self.write(Self::name("account", contact, directory), key)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stores_privately_and_reads_back_per_server() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::open(&tmp.path().join("acme")).unwrap();
        let domains = vec!["shop.example.com".to_owned()];
        cache
            .store_cert(&domains, "https://a/dir", b"pem")
            .await
            .unwrap();
        let back = cache.load_cert(&domains, "https://a/dir").await.unwrap();
        assert_eq!(back.as_deref(), Some(&b"pem"[..]));
        assert_eq!(
            cache.load_cert(&domains, "https://b/dir").await.unwrap(),
            None
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&tmp.path().join("acme")), 0o700);
            for entry in std::fs::read_dir(tmp.path().join("acme")).unwrap() {
                assert_eq!(mode(&entry.unwrap().path()), 0o600);
            }
        }
    }
}
