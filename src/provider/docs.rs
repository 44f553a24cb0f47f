//! Registry documentation generated from the schemas, so descriptions live
//! in one place. `terraform-provider-oms docs` writes `docs/`; `docs --check`
//! (and a test) fails when the committed files differ from what the schema
//! says.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{provider_schema, OmsProvider};
use crate::framework::provider::Provider;
use crate::framework::schema::{Attribute, Block};
use crate::framework::types::Type;

/// (relative path under docs/, content), built from the schemas of the
/// provider and of every data source it registers, and the example files
/// under `examples/` in `root` (`examples/data-sources/<type name>/data-source.tf`).
pub fn render_all(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let read = |p: &str| std::fs::read_to_string(root.join(p)).map_err(|e| format!("reading {p}: {e}"));
    let provider = OmsProvider::new();
    let provider_example = read("examples/provider/provider.tf")?;

    let p = provider_schema::schema();
    let mut index = front_matter("oms Provider", &p.block.description);
    index.push_str(&format!("# oms Provider\n\n{}\n\n", p.block.description));
    index.push_str(&format!("## Example Usage\n\n```terraform\n{}```\n\n", ensure_newline(&provider_example)));
    index.push_str(ENV_SECTION);
    index.push_str(&render_block_schema(&p.block));
    let mut files = vec![(PathBuf::from("index.md"), index)];

    for data_source in provider.data_sources() {
        let name = data_source.type_name();
        let d = data_source.schema();
        let example = read(&format!("examples/data-sources/{name}/data-source.tf"))?;
        let mut ds = front_matter(&format!("{name} Data Source - terraform-provider-oms"), &d.block.description);
        ds.push_str(&format!("# {name} (Data Source)\n\n{}\n\n", d.block.description));
        ds.push_str(&format!("## Example Usage\n\n```terraform\n{}```\n\n", ensure_newline(&example)));
        ds.push_str(&render_block_schema(&d.block));
        let page = name.strip_prefix("oms_").unwrap_or(name);
        files.push((PathBuf::from(format!("data-sources/{page}.md")), ds));
    }
    Ok(files)
}

const ENV_SECTION: &str = "## Environment Variables\n\n\
Every setting can come from the environment (the names of the official Huawei Cloud provider); a value in the `provider` block wins:\n\n\
| Attribute | Environment variables |\n|---|---|\n";

fn ensure_newline(s: &str) -> String {
    if s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

fn front_matter(title: &str, description: &str) -> String {
    let desc: String = description.lines().map(|l| format!("  {l}\n")).collect();
    format!("---\npage_title: \"{title}\"\nsubcategory: \"\"\ndescription: |-\n{desc}---\n\n")
}

fn type_label(t: &Type) -> String {
    match t {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(e) => format!("List of {}", type_label(e)),
        Type::Set(e) => format!("Set of {}", type_label(e)),
        Type::Map(e) => format!("Map of {}", type_label(e)),
        Type::Object(_) => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
    }
}

fn attr_line(a: &Attribute) -> String {
    let mut label = type_label(&a.ty);
    if a.sensitive {
        label.push_str(", Sensitive");
    }
    format!("- `{}` ({label}) {}\n", a.name, a.description)
}

fn render_block_schema(b: &Block) -> String {
    let mut out = String::from("## Schema\n\n");
    type Pick = fn(&Attribute) -> bool;
    let sections: [(&str, Pick); 3] =
        [("Required", |a| a.required), ("Optional", |a| a.optional), ("Read-Only", |a| a.computed && !a.optional)];
    for (title, pick) in sections.iter() {
        let mut lines: Vec<String> = b.attributes.iter().filter(|a| pick(a)).map(attr_line).collect();
        if *title == "Optional" {
            for nb in &b.blocks {
                lines.push(format!(
                    "- `{0}` (Block, Optional) (see [below for nested schema](#nestedblock--{0}))\n",
                    nb.type_name
                ));
            }
        }
        if !lines.is_empty() {
            lines.sort();
            out.push_str(&format!("### {title}\n\n{}\n", lines.concat()));
        }
    }
    for nb in &b.blocks {
        out.push_str(&format!(
            "<a id=\"nestedblock--{0}\"></a>\n### Nested Schema for `{0}`\n\nOptional:\n\n",
            nb.type_name
        ));
        let mut lines: Vec<String> = nb.block.attributes.iter().map(attr_line).collect();
        lines.sort();
        out.push_str(&lines.concat());
        out.push('\n');
    }
    out.trim_end().to_string() + "\n"
}

fn with_env_table(files: &mut [(PathBuf, String)]) {
    let mut table = String::new();
    for (setting, envs) in provider_schema::ENV_FALLBACKS {
        let list: Vec<String> = envs.iter().map(|e| format!("`{e}`")).collect();
        table.push_str(&format!("| `{}` | {} |\n", setting.attribute(), list.join(", ")));
    }
    table.push('\n');
    if let Some((_, index)) = files.iter_mut().find(|(p, _)| p == Path::new("index.md")) {
        *index = index.replacen(ENV_SECTION, &format!("{ENV_SECTION}{table}"), 1);
    }
}

/// The generated docs, ready to write or compare.
pub fn generate(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let mut files = render_all(root)?;
    with_env_table(&mut files);
    Ok(files)
}

/// Files under `docs_dir` that differ from the generated ones.
pub fn stale_files(root: &Path, docs_dir: &Path) -> Result<Vec<PathBuf>, String> {
    Ok(generate(root)?
        .into_iter()
        .filter(|(rel, content)| std::fs::read_to_string(docs_dir.join(rel)).ok().as_deref() != Some(content.as_str()))
        .map(|(rel, _)| rel)
        .collect())
}

/// `terraform-provider-oms docs [--check] [DIR]`: writes the registry docs from the
/// schemas, or with `--check` fails when the committed ones are stale (CI runs that).
pub fn run_cli(args: &[String]) -> ExitCode {
    let check = args.iter().any(|a| a == "--check");
    let dir = args.iter().find(|a| !a.starts_with("--")).cloned().unwrap_or_else(|| "docs".into());
    let root = Path::new(".");
    let docs_dir = Path::new(&dir);
    if check {
        return match stale_files(root, docs_dir) {
            Ok(stale) if stale.is_empty() => {
                println!("docs are up to date");
                ExitCode::SUCCESS
            }
            Ok(stale) => {
                for s in stale {
                    eprintln!("out of date: {}", docs_dir.join(s).display());
                }
                eprintln!("run `cargo run -- docs` and commit the result");
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(1)
            }
        };
    }
    match generate(root) {
        Ok(files) => {
            for (rel, content) in files {
                let path = docs_dir.join(&rel);
                if let Some(parent) = path.parent() {
                    let _ = std::fs::create_dir_all(parent);
                }
                if let Err(e) = std::fs::write(&path, content) {
                    eprintln!("writing {}: {e}", path.display());
                    return ExitCode::from(1);
                }
                println!("wrote {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_docs_match_the_schema() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let stale = stale_files(root, &root.join("docs")).unwrap();
        assert!(stale.is_empty(), "docs out of date: {stale:?}; run `cargo run -- docs` and commit");
    }

    #[test]
    fn docs_mention_every_attribute_and_sensitivity() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let files = generate(root).unwrap();
        let index = &files[0].1;
        assert!(index.contains("- `secret_key` (String, Sensitive)"));
        assert!(index.contains("| `access_key` | `HW_ACCESS_KEY`, `CLOUD_SDK_AK` |"));
        let ds = &files[1].1;
        for a in super::super::sync_task::schema().block.attributes {
            assert!(ds.contains(&format!("- `{}` (", a.name)), "{}", a.name);
        }
        assert!(ds.contains("### Nested Schema for `timeouts`"));
    }
}
