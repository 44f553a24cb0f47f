//! The provider's registry documentation, generated from the schemas the
//! provider sends Terraform, so each description is written once.
//! `cargo run -p oms-docgen` writes `docs/`; `--check` (and a test) fails
//! when the committed files differ from what the schemas say. A tool of the
//! repository: none of it is in the shipped provider.

use std::path::{Path, PathBuf};

use terraform_provider_oms::framework::provider::Provider;
use terraform_provider_oms::framework::schema::{Attribute, Block};
use terraform_provider_oms::framework::types::Type;
use terraform_provider_oms::provider::{provider_schema, OmsProvider};

/// The generated docs as (path under docs/, content): the provider's page and one per
/// data source it registers, each with its example from `examples/` under `root`
/// (`examples/provider/provider.tf`, `examples/data-sources/<type name>/data-source.tf`).
pub fn generate(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let read = |p: &str| std::fs::read_to_string(root.join(p)).map_err(|e| format!("reading {p}: {e}"));
    let provider = OmsProvider::new();
    let provider_example = read("examples/provider/provider.tf")?;

    let p = provider.schema();
    let index = page("oms Provider", "oms Provider", &p.block, &provider_example, &env_section());
    let mut files = vec![(PathBuf::from("index.md"), index)];

    for data_source in provider.data_sources() {
        let name = data_source.type_name();
        let example = read(&format!("examples/data-sources/{name}/data-source.tf"))?;
        let title = format!("{name} Data Source - terraform-provider-oms");
        let ds = page(&title, &format!("{name} (Data Source)"), &data_source.schema().block, &example, "");
        let file = name.strip_prefix("oms_").unwrap_or(name);
        files.push((PathBuf::from(format!("data-sources/{file}.md")), ds));
    }
    Ok(files)
}

/// One registry page: front matter, heading, description, example, `extra` (a section of
/// its own, or nothing) and the schema.
fn page(title: &str, heading: &str, block: &Block, example: &str, extra: &str) -> String {
    let mut out = front_matter(title, &block.description);
    out.push_str(&format!("# {heading}\n\n{}\n\n", block.description));
    out.push_str(&format!("## Example Usage\n\n```terraform\n{}```\n\n", ensure_newline(example)));
    out.push_str(extra);
    out.push_str(&render_block_schema(block));
    out
}

/// The provider page's table of environment variables, from the provider's one list of them.
fn env_section() -> String {
    let mut section = String::from(
        "## Environment Variables\n\n\
         Every setting can come from the environment (the names of the official Huawei Cloud provider); \
         a value in the `provider` block wins:\n\n\
         | Attribute | Environment variables |\n|---|---|\n",
    );
    for (setting, envs) in provider_schema::ENV_FALLBACKS {
        let list: Vec<String> = envs.iter().map(|e| format!("`{e}`")).collect();
        section.push_str(&format!("| `{}` | {} |\n", setting.attribute(), list.join(", ")));
    }
    section.push('\n');
    section
}

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

/// Files under `docs_dir` that differ from the generated ones.
pub fn stale_files(root: &Path, docs_dir: &Path) -> Result<Vec<PathBuf>, String> {
    Ok(generate(root)?
        .into_iter()
        .filter(|(rel, content)| std::fs::read_to_string(docs_dir.join(rel)).ok().as_deref() != Some(content.as_str()))
        .map(|(rel, _)| rel)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The repository's root, where `docs/` and `examples/` are.
    fn root() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
    }

    #[test]
    fn committed_docs_match_the_schema() {
        let stale = stale_files(root(), &root().join("docs")).unwrap();
        assert!(stale.is_empty(), "docs out of date: {stale:?}; run `cargo run -p oms-docgen` and commit");
    }

    #[test]
    fn a_changed_or_missing_page_is_reported_stale() {
        let dir = tempfile::tempdir().unwrap();
        let files = generate(root()).unwrap();
        for (rel, content) in &files {
            std::fs::create_dir_all(dir.path().join(rel).parent().unwrap()).unwrap();
            std::fs::write(dir.path().join(rel), content).unwrap();
        }
        assert!(stale_files(root(), dir.path()).unwrap().is_empty());
        let (first, second) = (&files[0].0, &files[1].0);
        std::fs::write(dir.path().join(first), files[0].1.replace("Sensitive", "sensitive")).unwrap();
        std::fs::remove_file(dir.path().join(second)).unwrap();
        assert_eq!(stale_files(root(), dir.path()).unwrap(), vec![first.clone(), second.clone()]);
    }

    #[test]
    fn every_page_lists_every_attribute_with_its_sensitivity() {
        let files = generate(root()).unwrap();
        let provider = OmsProvider::new();
        let index = &files[0].1;
        assert!(index.contains("- `secret_key` (String, Sensitive)"));
        assert!(index.contains("| `access_key` | `HW_ACCESS_KEY`, `CLOUD_SDK_AK` |"));
        for a in provider.schema().block.attributes {
            assert!(index.contains(&format!("- `{}` (", a.name)), "provider: {}", a.name);
        }
        let data_sources = provider.data_sources();
        assert_eq!(files.len(), 1 + data_sources.len());
        for (data_source, (path, page)) in data_sources.iter().zip(&files[1..]) {
            let name = data_source.type_name();
            assert_eq!(path, &PathBuf::from(format!("data-sources/{}.md", name.trim_start_matches("oms_"))));
            assert!(page.contains(&format!("# {name} (Data Source)")), "{name}");
            for a in data_source.schema().block.attributes {
                assert!(page.contains(&format!("- `{}` (", a.name)), "{name}: {}", a.name);
            }
            assert!(page.contains("### Nested Schema for `timeouts`"), "{name}");
        }
    }
}
