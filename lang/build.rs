//! Generates the parser from `src/parser/grammar.lalrpop` into `OUT_DIR`.

fn main() {
    let result = lalrpop::Configuration::new().use_cargo_dir_conventions().emit_rerun_directives(true).process();
    if let Err(error) = result {
        eprintln!("lalrpop: {error}");
        std::process::exit(1);
    }
}
