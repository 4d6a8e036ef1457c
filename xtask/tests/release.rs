//! `cargo xtask release` on a scratch workspace: it refuses until both versions are bumped as
//! the changes need, then records the new baseline, settles the acknowledgements and dates
//! the changelog's section; the spec then judges clean against the new baseline.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::path::Path;

use xtask::diff::report::Report;
use xtask::evolution;

const CHANGELOG: &str = "# Changelog\n\n## Unreleased\n\n\
<!-- spec changes: written by `cargo xtask regenerate` (`cargo xtask diff --format markdown`); edit the spec, not this -->\n\
<!-- end of spec changes -->\n\n- A note by hand.\n\n## 0.1.0\n\nThe first release.\n";

/// A small spec of its own (the test depends on nothing of the live spec), in block YAML
/// as people write it: `items` may or may not have `name`, the acknowledgement block may
/// follow, and `info.version` is given.
fn spec(version: &str, with_name: bool, acknowledged: bool) -> String {
    let name = if with_name {
        "        name:\n          type: string\n          description: Its name.\n"
    } else {
        ""
    };
    let acknowledgement = if acknowledged {
        "# Why each break is right:\nx-acknowledged-changes:\n  - rule: response-optional-property-removed\n    at: /components/schemas/Item/properties/name\n    reason: The service stopped sending it.\n\n"
    } else {
        ""
    };
    format!(
        "openapi: 3.0.3\ninfo:\n  title: Fixture\n  version: {version}\n{acknowledgement}paths:\n  /v1/{{project_id}}/items:\n    get:\n      operationId: ListItems\n      parameters:\n        - name: project_id\n          in: path\n          required: true\n          description: The project.\n          schema:\n            type: string\n      responses:\n        '200':\n          description: The items.\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/Item'\ncomponents:\n  schemas:\n    Item:\n      type: object\n      description: One item.\n      properties:\n        id:\n          type: string\n          description: Its ID.\n{name}"
    )
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn cargo_toml(version: &str) -> String {
    format!("[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"{version}\"\n")
}

fn judge(root: &Path) -> Report {
    Report::judge(
        &evolution::baseline(root).unwrap(),
        &evolution::current(root, None).unwrap(),
    )
    .unwrap()
}

#[test]
fn a_release_needs_both_bumps_then_records_the_baseline_and_settles_acknowledgements() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path();
    let spec_path = root.join(xtask::SPEC);
    write(
        &root.join("openapi/released/workspace-app-client-0.1.0.yaml"),
        &spec("1.0.0", true, false),
    );
    write(&root.join("CHANGELOG.md"), CHANGELOG);
    write(&root.join("Cargo.toml"), &cargo_toml("0.1.0"));
    write(&spec_path, &spec("1.0.0", false, true));
    assert!(judge(root).passes(), "the break is acknowledged");

    let refused = evolution::release(root).unwrap_err();
    assert!(refused.contains("nothing to release"), "{refused}");
    write(&root.join("Cargo.toml"), &cargo_toml("0.2.0"));
    let refused = evolution::release(root).unwrap_err();
    assert!(
        refused.contains("info.version") && refused.contains("2.0.0"),
        "{refused}"
    );

    write(&spec_path, &spec("2.0.0", false, true));
    let said = evolution::release(root).unwrap();
    assert!(said.contains("released 0.2.0"), "{said}");

    // The new baseline is the spec as released, without its acknowledgements (the text the
    // contributor wrote, otherwise); the old one is gone; the spec keeps no acknowledgement.
    let released = root.join("openapi/released/workspace-app-client-0.2.0.yaml");
    let settled = spec("2.0.0", false, false);
    assert_eq!(std::fs::read_to_string(&released).unwrap(), settled);
    assert_eq!(std::fs::read_to_string(&spec_path).unwrap(), settled);
    assert!(
        !root
            .join("openapi/released/workspace-app-client-0.1.0.yaml")
            .exists()
    );
    // The changelog dates the release's section: the break with its reason, and the notes
    // written by hand since the last release; a new, empty unreleased section is above it.
    let changelog = std::fs::read_to_string(root.join("CHANGELOG.md")).unwrap();
    let (unreleased, section) = changelog
        .split_once("## 0.2.0")
        .expect("a section for the release");
    assert!(
        unreleased.contains("## Unreleased") && !unreleased.contains("A note by hand"),
        "{changelog}"
    );
    let section = section.split("## 0.1.0").next().unwrap();
    assert!(
        section.contains("response-optional-property-removed")
            && section.contains("The service stopped sending it.")
            && section.contains("- A note by hand."),
        "{changelog}"
    );
    // And the spec judges clean against its new baseline.
    let judged = judge(root);
    assert!(judged.changes.is_empty() && judged.passes());
}

/// A release that cannot finish (here: the changelog lacks its markers) writes nothing.
#[test]
fn a_refused_release_leaves_every_file_as_it_was() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path();
    let baseline = root.join("openapi/released/workspace-app-client-0.1.0.yaml");
    write(&baseline, &spec("1.0.0", true, false));
    write(&root.join("CHANGELOG.md"), "# Changelog\n\nNo markers.\n");
    write(&root.join("Cargo.toml"), &cargo_toml("0.2.0"));
    write(&root.join(xtask::SPEC), &spec("2.0.0", false, true));
    let before = std::fs::read_dir(root.join("openapi/released"))
        .unwrap()
        .count();

    let refused = evolution::release(root).unwrap_err();
    assert!(refused.contains("CHANGELOG.md"), "{refused}");
    assert_eq!(
        std::fs::read_to_string(root.join(xtask::SPEC)).unwrap(),
        spec("2.0.0", false, true),
        "the spec keeps its acknowledgements"
    );
    assert_eq!(
        std::fs::read_to_string(&baseline).unwrap(),
        spec("1.0.0", true, false)
    );
    let after = std::fs::read_dir(root.join("openapi/released"))
        .unwrap()
        .count();
    assert_eq!(before, after, "no new baseline");
}

/// `--base` is a revision, never an option of git's: `--output=FILE` would make `git show`
/// write FILE (here named so that the path git would write is in a scratch directory).
#[test]
fn a_base_revision_cannot_be_a_git_option() {
    let scratch = tempfile::tempdir().unwrap();
    let target = scratch.path().join("o");
    std::fs::create_dir_all(scratch.path().join("o:openapi")).unwrap();
    let root = xtask::workspace_root().unwrap();
    let revision = format!("--output={}", target.display());

    let refused = evolution::at_revision(&root, &revision).err().unwrap();
    assert!(refused.contains("is not a commit"), "{refused}");
    assert!(
        !scratch.path().join("o:openapi/workspace-app.yaml").exists(),
        "git wrote a file"
    );
}
