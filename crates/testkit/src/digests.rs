//! CloudTrail digest files for tests: the emulator writes none, so this
//! writes them as CloudTrail does (CloudTrail User Guide, "CloudTrail digest
//! file structure"): one gzip JSON digest per account-region-hour at
//! `[PREFIX/]AWSLogs/[o-ID/]ACCOUNT/CloudTrail-Digest/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail-Digest_REGION_TRAIL_HOMEREGION_YYYYMMDDTHHMMSSZ.json.gz`,
//! listing the log files delivered in its hour with their SHA-256 (of the
//! uncompressed file) and event times, chained to the previous digest, and
//! signed SHA256withRSA with a test key pair ([`SigningKey::test`]). The
//! signature (hex) and `SHA256withRSA` are the object's user metadata
//! `signature` and `signature-algorithm`.
//!
//! The compatibility layer (`moto_compat.py`) answers
//! `cloudtrail:ListPublicKeys` with the same key's public half in every
//! region, its fingerprint the first 32 hex digits of the SHA-256 of its
//! DER (AWS's are opaque 32-digit hex strings too).

use std::io::Read;

use anyhow::{Context, Result};
use aws_sdk_s3::Client;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use ring::rand::SystemRandom;
use ring::signature::{KeyPair, RsaKeyPair, RSA_PKCS1_SHA256};
use serde_json::{json, Value};

/// A key pair that signs digests.
pub struct SigningKey {
    pair: RsaKeyPair,
}

impl SigningKey {
    /// The key the compatibility layer serves as CloudTrail's public key.
    pub fn test() -> SigningKey {
        SigningKey::from_pkcs8(include_bytes!("../keys/digest-test-key.pk8.der"))
    }

    /// Another key, which CloudTrail never had (forged digests).
    pub fn other() -> SigningKey {
        SigningKey::from_pkcs8(include_bytes!("../keys/other-test-key.pk8.der"))
    }

    fn from_pkcs8(der: &[u8]) -> SigningKey {
        SigningKey {
            pair: RsaKeyPair::from_pkcs8(der).expect("a PKCS#8 RSA key"),
        }
    }

    /// The public key, DER (PKCS#1 `RSAPublicKey`), as `ListPublicKeys` gives it.
    pub fn public_der(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }

    /// The fingerprint digests name (of [`SigningKey::test`]'s public key,
    /// whichever key signs: a forged digest claims CloudTrail's key).
    pub fn fingerprint() -> String {
        let der = SigningKey::test().public_der();
        hex(ring::digest::digest(&ring::digest::SHA256, &der).as_ref())[..32].to_string()
    }

    /// Signs `message`: the hex signature.
    pub fn sign(&self, message: &[u8]) -> String {
        let mut sig = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig)
            .expect("signing");
        hex(&sig)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn sha256(b: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, b).as_ref())
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Where one account-region's digests go, and the trail that writes them.
#[derive(Debug, Clone)]
pub struct Chain {
    /// The bucket.
    pub bucket: String,
    /// `[PREFIX/]AWSLogs/[o-ID/]`.
    pub root: String,
    /// The account.
    pub account: String,
    /// The region.
    pub region: String,
    /// The trail's name.
    pub trail_name: String,
    /// The trail's home region.
    pub home_region: String,
}

/// One digest written.
#[derive(Debug, Clone)]
pub struct Written {
    /// Its key.
    pub key: String,
    /// Its hour's end.
    pub end: DateTime<Utc>,
    /// The log files it lists.
    pub logs: Vec<String>,
    /// Its signature (hex).
    pub signature: String,
    /// Its JSON.
    pub json: Value,
}

impl Chain {
    /// `...CloudTrail-Digest/REGION/`.
    pub fn digest_prefix(&self) -> String {
        format!(
            "{}{}/CloudTrail-Digest/{}/",
            self.root, self.account, self.region
        )
    }

    /// `...CloudTrail/REGION/`.
    pub fn log_prefix(&self) -> String {
        format!("{}{}/CloudTrail/{}/", self.root, self.account, self.region)
    }

    /// The digest key for the hour ending at `end`.
    pub fn key(&self, end: DateTime<Utc>) -> String {
        format!(
            "{}{}/{}_CloudTrail-Digest_{}_{}_{}_{}.json.gz",
            self.digest_prefix(),
            end.format("%Y/%m/%d"),
            self.account,
            self.region,
            self.trail_name,
            self.home_region,
            end.format("%Y%m%dT%H%M%SZ")
        )
    }
}

/// Writes `hours` chained digests from `start` (each an hour long), each
/// listing the log files under the chain's log prefix whose delivery time
/// (in the key) falls in its hour, signed with `key`. Returns them in order.
pub async fn write_chain(
    s3: &Client,
    chain: &Chain,
    start: DateTime<Utc>,
    hours: usize,
    key: &SigningKey,
) -> Result<Vec<Written>> {
    let logs = list_logs(s3, chain).await?;
    let mut out: Vec<Written> = Vec::new();
    for h in 0..hours {
        let from = start + Duration::hours(h as i64);
        let to = from + Duration::hours(1);
        let mut files = Vec::new();
        for (at, k) in &logs {
            if *at >= from && *at < to {
                let body = get(s3, &chain.bucket, k).await?;
                let mut text = Vec::new();
                flate2::read::GzDecoder::new(&body[..])
                    .read_to_end(&mut text)
                    .with_context(|| format!("{k} is not gzip"))?;
                let times: Vec<String> = serde_json::from_slice::<Value>(&text)
                    .ok()
                    .and_then(|v| v.get("Records").cloned())
                    .and_then(|r| r.as_array().cloned())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|r| r.get("eventTime")?.as_str().map(str::to_string))
                    .collect();
                files.push(json!({
                    "s3Bucket": chain.bucket,
                    "s3Object": k,
                    "hashValue": sha256(&text),
                    "hashAlgorithm": "SHA-256",
                    "oldestEventTime": times.iter().min().cloned().unwrap_or_else(|| ts(from)),
                    "newestEventTime": times.iter().max().cloned().unwrap_or_else(|| ts(from)),
                }));
            }
        }
        let previous = out.last().map(link);
        let w = put_digest(s3, chain, from, to, previous, files, key).await?;
        out.push(w);
    }
    Ok(out)
}

/// Writes one digest for `[from, to)` listing `files`, chained to
/// `previous` (key, signature, SHA-256), signed with `key`.
pub async fn put_digest(
    s3: &Client,
    chain: &Chain,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    previous: Option<(String, String, String)>,
    files: Vec<Value>,
    key: &SigningKey,
) -> Result<Written> {
    let w = build(chain, from, to, previous, files, key);
    put(
        s3,
        &chain.bucket,
        &w.key,
        &w.json.to_string(),
        Some(&w.signature),
    )
    .await?;
    Ok(w)
}

/// One digest for `[from, to)` listing `files` (`s3Bucket`, `s3Object`,
/// `hashValue`... objects), chained to `previous` (key, signature,
/// SHA-256), signed with `key`; its text is `json.to_string()`.
pub fn build(
    chain: &Chain,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    previous: Option<(String, String, String)>,
    files: Vec<Value>,
    key: &SigningKey,
) -> Written {
    let object = chain.key(to);
    let mut digest = json!({
        "awsAccountId": chain.account,
        "digestStartTime": ts(from),
        "digestEndTime": ts(to),
        "digestS3Bucket": chain.bucket,
        "digestS3Object": object,
        "digestPublicKeyFingerprint": SigningKey::fingerprint(),
        "digestSignatureAlgorithm": "SHA256withRSA",
        "newestEventTime": Value::Null,
        "oldestEventTime": Value::Null,
        "previousDigestS3Bucket": Value::Null,
        "previousDigestS3Object": Value::Null,
        "previousDigestHashValue": Value::Null,
        "previousDigestHashAlgorithm": Value::Null,
        "previousDigestSignature": Value::Null,
        "logFiles": files,
    });
    if let Some((k, sig, hash)) = &previous {
        digest["previousDigestS3Bucket"] = json!(chain.bucket);
        digest["previousDigestS3Object"] = json!(k);
        digest["previousDigestHashValue"] = json!(hash);
        digest["previousDigestHashAlgorithm"] = json!("SHA-256");
        digest["previousDigestSignature"] = json!(sig);
    }
    let text = digest.to_string();
    let signed = format!(
        "{}\n{}/{}\n{}\n{}",
        ts(to),
        chain.bucket,
        object,
        sha256(text.as_bytes()),
        previous.as_ref().map_or("null", |p| p.1.as_str())
    );
    let signature = key.sign(signed.as_bytes());
    Written {
        key: object,
        end: to,
        logs: digest["logFiles"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|f| f["s3Object"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        signature,
        json: digest,
    }
}

/// The chaining fields of a written digest for the next one: key,
/// signature, SHA-256 of its text.
pub fn link(w: &Written) -> (String, String, String) {
    (
        w.key.clone(),
        w.signature.clone(),
        sha256(w.json.to_string().as_bytes()),
    )
}

/// Writes a gzip object, with digest metadata when `signature` is given.
pub async fn put(
    s3: &Client,
    bucket: &str,
    key: &str,
    text: &str,
    signature: Option<&str>,
) -> Result<()> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, text.as_bytes())?;
    let mut req = s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(enc.finish()?.into());
    if let Some(sig) = signature {
        req = req
            .metadata("signature", sig)
            .metadata("signature-algorithm", "SHA256withRSA");
    }
    req.send()
        .await
        .with_context(|| format!("writing s3://{bucket}/{key}"))?;
    Ok(())
}

async fn get(s3: &Client, bucket: &str, key: &str) -> Result<Vec<u8>> {
    let o = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .with_context(|| format!("reading s3://{bucket}/{key}"))?;
    Ok(o.body.collect().await?.into_bytes().to_vec())
}

/// The chain's log files with their delivery time (from the key), oldest first.
async fn list_logs(s3: &Client, chain: &Chain) -> Result<Vec<(DateTime<Utc>, String)>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let mut req = s3
            .list_objects_v2()
            .bucket(&chain.bucket)
            .prefix(chain.log_prefix());
        if let Some(t) = &token {
            req = req.continuation_token(t);
        }
        let page = req.send().await.context("listing log files")?;
        for k in page.contents().iter().filter_map(|o| o.key()) {
            // ..._YYYYMMDDTHHMMZ_RANDOM.json.gz
            let stamp = k.rsplit('_').nth(1).unwrap_or_default();
            if let Ok(t) = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%MZ") {
                out.push((t.and_utc(), k.to_string()));
            }
        }
        token = page.next_continuation_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compatibility layer serves `keys/digest-test-key.pub.der`: the
    /// public half of the key that signs.
    #[test]
    fn the_served_public_key_is_the_signing_keys() {
        assert_eq!(
            SigningKey::test().public_der(),
            include_bytes!("../keys/digest-test-key.pub.der").to_vec()
        );
        assert_ne!(
            SigningKey::other().public_der(),
            SigningKey::test().public_der()
        );
        assert_eq!(SigningKey::fingerprint().len(), 32);
    }
}
