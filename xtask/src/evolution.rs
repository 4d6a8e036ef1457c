//! The spec's history as the diff sees it: the released baseline (a committed copy of the
//! spec as last released, named by the crate's version, as Oxide blesses its documents), a
//! spec at a git revision, the changelog's generated section, and the release that records
//! a new baseline.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use workspace_app_codegen::Spec;

use crate::diff::acknowledge::EXTENSION;
use crate::diff::render;
use crate::diff::report::{Report, Side};
use crate::diff::versions::{Version, workspace_version};
use crate::workspace::{SPEC, write_or_remove};

/// Where released specs are kept, relative to the workspace root.
pub const RELEASED_DIR: &str = "openapi/released";
/// The released spec's file name: the crate and its version.
const RELEASED_PREFIX: &str = "workspace-app-client-";
/// The changelog, relative to the workspace root.
pub const CHANGELOG: &str = "CHANGELOG.md";
/// The changelog's generated section, between these lines.
const BEGIN: &str = "<!-- spec changes: written by `cargo xtask regenerate` (`cargo xtask diff --format markdown`); edit the spec, not this -->";
const END: &str = "<!-- end of spec changes -->";

/// The spec in the tree (`spec`, default the workspace's own), with the workspace's version.
pub fn current(root: &Path, spec: Option<&Path>) -> Result<Side, String> {
    let path = spec.map_or_else(|| root.join(SPEC), Path::to_path_buf);
    let name = path
        .strip_prefix(root)
        .unwrap_or(&path)
        .display()
        .to_string();
    Ok(Side {
        spec: parse(&name, &read(&path)?)?,
        name,
        crate_version: workspace_version(&read(&root.join("Cargo.toml"))?),
    })
}

/// The last released spec: the newest file in [`RELEASED_DIR`].
pub fn baseline(root: &Path) -> Result<Side, String> {
    let dir = root.join(RELEASED_DIR);
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{RELEASED_DIR}: {e}"))?;
    let mut newest: Option<(Version, PathBuf)> = None;
    for entry in entries {
        let path = entry.map_err(|e| format!("{RELEASED_DIR}: {e}"))?.path();
        let version = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix(RELEASED_PREFIX))
            .and_then(|n| n.strip_suffix(".yaml"))
            .and_then(Version::parse);
        if let Some(version) = version
            && newest.as_ref().is_none_or(|(v, _)| version > *v)
        {
            newest = Some((version, path));
        }
    }
    let (version, path) = newest.ok_or_else(|| {
        format!("{RELEASED_DIR} holds no released spec ({RELEASED_PREFIX}<version>.yaml)")
    })?;
    let name = format!("{RELEASED_DIR}/{RELEASED_PREFIX}{version}.yaml");
    Ok(Side {
        spec: parse(&name, &read(&path)?)?,
        name,
        crate_version: Some(version),
    })
}

/// The spec and the workspace version at a git revision.
pub fn at_revision(root: &Path, revision: &str) -> Result<Side, String> {
    // The revision becomes a commit ID first, with options ended: a `--base` that starts
    // with `-` is a revision that does not exist, never an option of git's.
    let rev_parse = [
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        &format!("{revision}^{{commit}}"),
    ];
    let commit = git(root, &rev_parse, "git rev-parse")
        .map_err(|_| format!("{revision} is not a commit of this repository"))?;
    let commit = commit.trim();
    let show = |file: &str| {
        git(
            root,
            &["show", &format!("{commit}:{file}")],
            &format!("{revision}:{file}"),
        )
    };
    let name = format!("{revision}:{SPEC}");
    Ok(Side {
        spec: parse(&name, &show(SPEC)?)?,
        name,
        crate_version: workspace_version(&show("Cargo.toml")?),
    })
}

/// What git prints, read as the spec loader reads a file: at most [`Spec::MAX_BYTES`], then
/// git is stopped (`git show` of a huge blob ends there). `name` names the output in
/// messages.
fn git(root: &Path, args: &[&str], name: &str) -> Result<String, String> {
    /// Enough of git's complaint to say what went wrong.
    const STDERR_BYTES: u64 = 64 * 1024;
    let mut child = Command::new("git")
        .current_dir(root)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    // Read beside stdout, so that git never waits on a full stderr pipe.
    let stderr = child.stderr.take().map(|stderr| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = stderr.take(STDERR_BYTES).read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    });
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| format!("git {}: no output", args.join(" ")))?;
    let text = Spec::read(name, stdout);
    if text.is_err() {
        // Refused (too large, or not UTF-8): git need not go on writing.
        let _ = child.kill();
    }
    let status = child
        .wait()
        .map_err(|e| format!("git {}: {e}", args.join(" ")))?;
    let stderr = stderr
        .and_then(|reader| reader.join().ok())
        .unwrap_or_default();
    let text = text.map_err(|e| format!("error: {e}"))?;
    if !status.success() {
        return Err(format!("git {}: {}", args.join(" "), stderr.trim()));
    }
    Ok(text)
}

/// A spec file's own text, for a side given as a file (`--base-file`), with the workspace's
/// version (the file says nothing of the crate).
pub fn from_file(root: &Path, path: &Path) -> Result<Side, String> {
    current(root, Some(path))
}

/// A file's text, read as the spec loader reads one: at most [`Spec::MAX_BYTES`], so that a
/// `--base-file /dev/zero` or a FIFO stops there.
fn read(path: &Path) -> Result<String, String> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| format!("{name}: {e}"))?;
    Spec::read(&name, file).map_err(|e| format!("error: {e}"))
}

fn parse(name: &str, text: &str) -> Result<Spec, String> {
    Spec::parse(name, text).map_err(|e| format!("error: {e}"))
}

/// The changelog with its generated section replaced by `section`.
pub fn changelog_with(changelog: &str, section: &str) -> Result<String, String> {
    let (before, rest) = changelog
        .split_once(BEGIN)
        .ok_or_else(|| format!("{CHANGELOG} has no line `{BEGIN}`"))?;
    let (_, after) = rest
        .split_once(END)
        .ok_or_else(|| format!("{CHANGELOG} has no line `{END}` after `{BEGIN}`"))?;
    Ok(format!("{before}{BEGIN}\n{section}{END}{after}"))
}

/// The changelog as the spec's changes since the baseline make it.
pub fn derived_changelog(root: &Path) -> Result<String, String> {
    let report = Report::judge(&baseline(root)?, &current(root, None)?)?;
    changelog_with(&read(&root.join(CHANGELOG))?, &render::markdown(&report))
}

/// `cargo xtask release`: records the tree's spec as released at the workspace's version.
///
/// Refuses unless every break is acknowledged and both versions were bumped as the changes
/// need. Then it writes the new baseline (the spec without its acknowledgements, which the
/// release settles), removes the acknowledgements from the spec, turns the changelog's
/// generated section into the release's section, and removes the previous baseline.
pub fn release(root: &Path) -> Result<String, String> {
    let base = baseline(root)?;
    let head = current(root, None)?;
    let report = Report::judge(&base, &head)?;
    if !report.passes() {
        return Err(format!(
            "{}cannot release: acknowledge each break first",
            render::text(&report)
        ));
    }
    let version = head
        .crate_version
        .ok_or("Cargo.toml has no [workspace.package] version")?;
    if Some(version) <= base.crate_version {
        return Err(format!(
            "nothing to release: the crate's version is still {version}, as in {}; bump [workspace.package] version in Cargo.toml (the changes need {})",
            base.name,
            report.crate_version.describe()
        ));
    }
    for (what, need) in [
        ("the crate (Cargo.toml)", &report.crate_version),
        ("info.version (the spec)", &report.info_version),
    ] {
        if need.bump.is_some() && !need.met() {
            return Err(format!("cannot release: {what} needs {}", need.describe()));
        }
    }

    let spec_path = root.join(SPEC);
    let text = read(&spec_path)?;
    let released = without_acknowledgements(&text)?;
    let released_path = root.join(format!("{RELEASED_DIR}/{RELEASED_PREFIX}{version}.yaml"));
    let changelog_path = root.join(CHANGELOG);
    let section = format!("## {version}\n\n{}", render::markdown(&report));
    let changelog = released_changelog(&read(&changelog_path)?, &section)?;
    // Everything is known before anything is written: a refusal leaves the tree as it was.
    write_or_remove(&released_path, Some(released.as_bytes()))?;
    write_or_remove(&spec_path, Some(released.as_bytes()))?;
    let old = root.join(&base.name);
    if old != released_path {
        write_or_remove(&old, None)?;
    }
    write_or_remove(&changelog_path, Some(changelog.as_bytes()))?;
    Ok(format!(
        "released {version}: {} is the new baseline; run `cargo xtask regenerate` and commit",
        released_path
            .strip_prefix(root)
            .unwrap_or(&released_path)
            .display()
    ))
}

/// The release's section goes right after the (now empty) generated section.
fn released_changelog(changelog: &str, section: &str) -> Result<String, String> {
    let emptied = changelog_with(changelog, "")?;
    let (before, after) = emptied
        .split_once(END)
        .ok_or_else(|| format!("{CHANGELOG} has no line `{END}`"))?;
    Ok(format!("{before}{END}\n\n{}{after}", section.trim_end()))
}

/// The spec text without its top-level `x-acknowledged-changes` block: the key's line, its
/// own comment (the comment lines right above it, unless they begin the file: that is the
/// file's header), and every indented or blank line after it. A comment in column 0 after
/// the block belongs to what follows, and stays.
fn without_acknowledgements(text: &str) -> Result<String, String> {
    let key = format!("{EXTENSION}:");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    let mut skipping = false;
    for line in lines {
        if line.starts_with(&key) {
            let comment = out
                .iter()
                .rev()
                .take_while(|previous| previous.starts_with('#'))
                .count();
            if comment < out.len() {
                out.truncate(out.len() - comment);
            }
            skipping = true;
            continue;
        }
        let indented_or_blank = line.starts_with([' ', '\t', '\n', '\r']);
        if skipping && indented_or_blank {
            continue;
        }
        skipping = false;
        out.push(line);
    }
    let out = out.concat();
    let spec = Spec::parse(SPEC, &out).map_err(|e| format!("error: {e}"))?;
    if spec.document.get(EXTENSION).is_some() {
        return Err(format!(
            "{SPEC}: `{EXTENSION}` is not a block at the top level; remove it by hand"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::without_acknowledgements;

    const ACKNOWLEDGED: &str = "x-acknowledged-changes:\n  - rule: operation-removed\n    at: /paths/~1a/get\n    reason: Gone.\n\n";

    fn spec(header: &str, before: &str, after: &str) -> String {
        format!(
            "{header}openapi: 3.0.3\n{before}info:\n  title: T\n  version: 1.0.0\n{after}paths: {{}}\n"
        )
    }

    #[test]
    fn the_block_goes_with_its_own_comment_and_no_other() {
        let header = "# The file's header.\n";
        let next = "# The paths' own comment.\n";
        // The block at the top, under the header: the header stays.
        let top = format!("{header}{ACKNOWLEDGED}{}", spec("", "", next));
        assert_eq!(
            without_acknowledgements(&top).unwrap(),
            spec(header, "", next)
        );
        // Between two keys, with its own comment: that goes, the next key's stays.
        let info = "# The info's own comment.\n";
        let between = spec(
            header,
            &format!("# Why each break is right:\n{ACKNOWLEDGED}{info}"),
            next,
        );
        assert_eq!(
            without_acknowledgements(&between).unwrap(),
            spec(header, info, next)
        );
    }
}
