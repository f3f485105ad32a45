//! Findings that read the config: a declared secret's profile, and the body-size limit a
//! removed body went over; and cookies listed in a HAR rebuilt from its entries.

use super::*;

/// The SHA-256 of the first client secret a token request of `capture` sends.
fn sent_secret_sha256(capture: &Capture) -> String {
    let analysis = tokentrail::flow::analyze(capture, &Config::default());
    analysis
        .steps
        .iter()
        .find_map(|s| match &s.detail {
            tokentrail::flow::Detail::TokenRequest(t) => {
                t.secret_sha256.as_deref().map(str::to_string)
            }
            _ => None,
        })
        .expect("a secret sent")
}

/// `alexa/secret-wrong-profile` compares a secret's SHA-256 with the config's fingerprints.
/// A copy made with the config records, in its mark, the SHA-256 of each placeholder secret
/// whose original matched and the profile's name (nothing else: neither the fingerprint nor
/// the secret's hash), so the copy finds the same; one made without it cannot.
#[test]
fn a_copy_made_with_the_config_keeps_the_secret_profile() {
    for rel in [
        "fixtures/alexa/secret-wrong-profile/fires-skill-secret-basic-firefox.har",
        "fixtures/alexa/secret-wrong-profile/fires-skill-secret-form-chrome.har",
    ] {
        let path = common::root().join(rel);
        let original = tokentrail::read::read_path(&path).expect("fixture reads");
        let opts = common::options_for(&path);
        let at = |c: Capture| -> Vec<Option<usize>> {
            check_capture(c, &opts)
                .findings
                .into_iter()
                .filter(|f| f.rule == "alexa/secret-wrong-profile")
                .map(|f| f.entry)
                .collect()
        };
        let before = at(original.clone());
        assert!(!before.is_empty(), "{rel}: the original fires");

        // Without the config, the copy has nothing to say which profile a placeholder is.
        let blind = sanitize(&original, &placeholders("profile"));
        assert!(!blind.har.contains("secret_profiles"), "{rel}");
        assert!(at(read(rel, &blind.har)).is_empty(), "{rel}: a blind copy");

        let once = sanitize_with(&original, &placeholders("profile"), &opts.config);
        assert_eq!(at(read(rel, &once.har)), before, "{rel}: the copy");
        let doc: Value = serde_json::from_str(&once.har).expect("json");
        let recorded = doc["log"][MARK]["secret_profiles"]
            .as_array()
            .expect("recorded")
            .clone();
        assert_eq!(recorded.len(), 1, "{rel}: {recorded:?}");
        assert_eq!(recorded[0]["profile"], "skill");
        // Nothing of the secret: neither its hash nor the config's fingerprints.
        let sent = sent_secret_sha256(&original);
        for fp in opts
            .config
            .alexa
            .client_secret_sha256
            .iter()
            .chain(&opts.config.skill.client_secret_sha256)
        {
            assert!(!once.har.contains(fp.as_str()), "{rel}: a fingerprint");
        }
        assert!(!once.har.contains(&sent[..16]), "{rel}: the secret's hash");
        // The record names the profile of the copy's secret only: another one does not fire.
        let other = recorded[0]["sha256"]
            .as_str()
            .expect("sha")
            .replace(|c: char| c != '0', "0");
        let edited = once
            .har
            .replace(recorded[0]["sha256"].as_str().expect("sha"), &other);
        assert!(at(read(rel, &edited)).is_empty(), "{rel}: an edited record");
    }
}

/// An ordinary capture is never taken for a copy: the record is read only from the mark of
/// the HAR's `log`, not from an entry (a capture of someone uploading a copy).
#[test]
fn a_secret_profile_record_inside_an_entry_is_not_read() {
    let rel = "fixtures/alexa/secret-wrong-profile/fires-skill-secret-form-chrome.har";
    let path = common::root().join(rel);
    let original = tokentrail::read::read_path(&path).expect("fixture reads");
    // The fixture's config without its fingerprints: only a record could name the profile.
    let text =
        std::fs::read_to_string(common::config_for(&path).expect("a config")).expect("reads");
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("client_secret_sha256"))
        .map(|l| format!("{l}\n"))
        .collect();
    let opts = Options {
        config: Config::parse("test.toml", &without).expect("config"),
        rules: common::builtin_rules(),
    };
    let sha = sent_secret_sha256(&original);
    let record = serde_json::json!({"secret_profiles": [{"sha256": sha, "profile": "skill"}]});
    let fires = |doc: &Value| {
        let text = serde_json::to_string_pretty(doc).expect("json");
        check_capture(read(rel, &text), &opts)
            .findings
            .iter()
            .any(|f| f.rule == "alexa/secret-wrong-profile")
    };
    let mut doc: Value = serde_json::from_slice(&original.source).expect("json");
    assert!(
        !fires(&doc),
        "the premise: without fingerprints it is silent"
    );
    let mut in_entry = doc.clone();
    for e in in_entry["log"]["entries"].as_array_mut().expect("entries") {
        e[MARK] = record.clone();
    }
    assert!(!fires(&in_entry), "a record inside entries is not read");
    // Positive control: the same record in the log's mark is.
    doc["log"][MARK] = record;
    assert!(fires(&doc), "a record in the log's mark is read");
}

/// A response body outside any OAuth flow is removed; where it went over the body-size limit
/// of the config, the copy keeps its size (and nothing of it), so `capture/limit` stays.
#[test]
fn an_oversized_removed_body_keeps_its_size() {
    let rel = "fixtures/capture/limit/fires-script-body-size-firefox.har";
    let path = common::root().join(rel);
    let original = tokentrail::read::read_path(&path).expect("fixture reads");
    let opts = common::options_for(&path);
    let once = sanitize_with(&original, &placeholders("size"), &opts.config);
    assert!(
        !once.har.contains("APP_STEPS"),
        "nothing of the body is kept"
    );
    let copy = read(rel, &once.har);
    let size = |c: &Capture| {
        c.exchanges
            .iter()
            .map(|e| {
                e.response
                    .as_ref()
                    .and_then(|r| r.body.as_ref())
                    .map_or(0, |b| b.text.len())
            })
            .collect::<Vec<_>>()
    };
    let (a, b) = (size(&original), size(&copy));
    let big = a.iter().position(|&n| n > 4096).expect("an oversized body");
    assert_eq!(b[big], a[big], "its size is kept");
    let limit = |c: Capture| -> Vec<Option<usize>> {
        check_capture(c, &opts)
            .findings
            .into_iter()
            .filter(|f| f.rule == "capture/limit")
            .map(|f| f.entry)
            .collect()
    };
    assert_eq!(limit(copy), vec![Some(big + 1)]);
    assert_eq!(limit(original.clone()), vec![Some(big + 1)]);
    // Made without the config (default limits, 16 MiB), the body is simply removed.
    let blind = sanitize(&original, &placeholders("size"));
    assert!(size(&read(rel, &blind.har))[big] == 0);

    // The command line reads the config as `check` does, and so does the skim.
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("copy.har");
    let config = common::config_for(&path).expect("config");
    for (input, rule) in [
        (rel, "capture/limit"),
        (
            "fixtures/alexa/secret-wrong-profile/fires-skill-secret-basic-firefox.har",
            "alexa/secret-wrong-profile",
        ),
    ] {
        let config = common::config_for(&common::root().join(input)).unwrap_or(config.clone());
        let args = |cmd: &[&str]| {
            let mut v: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
            v.push("--config".into());
            v.push(config.to_str().expect("utf-8").into());
            v
        };
        let o = common::tokentrail(&args(&[
            "sanitize",
            input,
            "-o",
            out.to_str().expect("utf-8"),
        ]));
        assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
        let o = common::tokentrail(&args(&[
            "check",
            "--format",
            "json",
            out.to_str().expect("utf-8"),
        ]));
        assert!(
            common::stdout(&o).contains(&format!("\"{rule}\"")),
            "{input}: {}",
            common::stdout(&o)
        );
    }
}

/// A HAR whose text around the entries does not parse is written as a new HAR built from its
/// entries; a list of cookies without the header that carried it (`capture/credentials-
/// stripped`) is kept there too, as many items as were listed.
#[test]
fn a_rebuilt_copy_keeps_cookies_listed_without_their_header() {
    for rel in [
        "fixtures/capture/credentials-stripped/fires-cookies-listed-firefox.har",
        "fixtures/capture/credentials-stripped/fires-chrome-sanitized.har",
        "fixtures/good/chrome-sanitized.har",
        "fixtures/alexa/token-wrong-profile/quiet-sanitized.har",
    ] {
        let path = common::root().join(rel);
        let text = std::fs::read_to_string(&path).expect("reads");
        // Text after the document: the reader skips it, the copy's frame cannot parse it.
        let original = read(rel, &format!("{text}\nnot json\n"));
        let opts = common::options_for(&path);
        let before = found(original.clone(), &opts);
        assert!(
            before
                .iter()
                .any(|(r, _, _)| r == "capture/credentials-stripped"),
            "{rel}: {before:?}"
        );
        let once = sanitize_with(&original, &placeholders("rebuilt"), &opts.config);
        assert!(
            once.notes.iter().any(|n| n.contains("writing a new HAR")),
            "{rel}: {:?}",
            once.notes
        );
        assert_eq!(found(read(rel, &once.har), &opts), before, "{rel}");
    }
}

/// The library's entry (what the browser page calls) takes the config's text as `check`'s
/// does: with it the copy finds `alexa/secret-wrong-profile` where the original does; without
/// it the copy is silent there; a config that does not parse is an error naming its line,
/// not a copy made without it.
#[test]
fn the_library_entry_sanitizes_with_the_config_text() {
    let path = common::root()
        .join("fixtures/alexa/secret-wrong-profile/fires-skill-secret-basic-firefox.har");
    let bytes = std::fs::read(&path).expect("fixture");
    let config = std::fs::read_to_string(common::config_for(&path).expect("its config"))
        .expect("config text");
    let key = [7u8; 32];
    let rules_of_copy = |with: Option<&str>| -> Vec<String> {
        let copies = tokentrail::api::sanitize("f.har", &bytes, &key, with).expect("sanitized");
        assert_eq!(copies.len(), 1);
        let checked = tokentrail::api::check("f.har", copies[0].har.as_bytes(), Some(&config))
            .expect("checked");
        checked.findings().map(|f| f.rule.clone()).collect()
    };
    let original: Vec<String> = tokentrail::api::check("f.har", &bytes, Some(&config))
        .expect("checked")
        .findings()
        .map(|f| f.rule.clone())
        .collect();
    assert!(original.iter().any(|r| r == "alexa/secret-wrong-profile"));
    assert_eq!(rules_of_copy(Some(&config)), original);
    assert!(!rules_of_copy(None)
        .iter()
        .any(|r| r == "alexa/secret-wrong-profile"));
    let err = tokentrail::api::sanitize("f.har", &bytes, &key, Some("[alexa]\nclient_ids = [\n"))
        .err()
        .expect("a broken config is an error");
    assert!(
        err.contains("tokentrail.toml") && err.contains("line 2"),
        "{err}"
    );
}
