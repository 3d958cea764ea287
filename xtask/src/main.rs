//! `cargo xtask <command>`: the project's own runner. Std only, so it builds in seconds.
//!
//! * `setup`  installs what the project needs, idempotently (wasm32 target, Trunk, the
//!   wasm-bindgen CLI matching Cargo.lock, npm packages incl. wasm-opt, Chromium + ChromeDriver).
//! * `build`  builds the release page into `dist/` and precompresses every asset (.br, .gz).
//! * `run`    builds, then starts the Okta simulator and the proxy serving the page, and prints
//!   the URL and the demo credentials.
//! * `test`   runs every test: native, in-browser (wasm-bindgen-test), size budget, end to end.
//! * `bench`  measures the release page (bytes, load time, check time, keystroke) into BENCHMARK.md.
//! * `fuzz`   runs the property-based fuzz suites longer (`FUZZ_CASES`, default 20000).

use std::env;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Instant;

const TRUNK_VERSION: &str = "0.21.14";
const WASM_OPT_VERSION: &str = "version_132";
/// Total first-load budget (brotli bytes of index.html with its inlined stylesheet, JS, wasm,
/// config.json), lowered as the page gets leaner: measured 209,052 bytes on 2026-12-06 (`cargo
/// xtask size`); the OAuth 2.0 credential types (the choice, two fields, the service app's
/// guided setup, reading the check server's report back) brought it to 242,328 on 2026-12-07,
/// and the gate was that plus about 1 %. The sixth session's fixes (the app check's own wording
/// and calls, more of what people paste taken or refused by name, a token refused as a client
/// ID) brought it to 246,182; the gate is that plus about 0.5 %, brotli's layout noise between
/// builds. The seventh session's (a whole request, `.env` file or code snippet pasted into the
/// token field; Markdown, `.env` lines, Safe Links and Auth0 addresses in the address field; a
/// copy button that says when the browser refuses) brought it to 249,249; the gate is that plus
/// about 0.3 %. The target is 200 kB, the aim 180 kB. BENCHMARK.md has the breakdown and the
/// levers.
const BROTLI_BUDGET_BYTES: u64 = 250_000;

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let cmd = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    let started = Instant::now();
    let result = match cmd {
        "setup" => setup(),
        "build" => setup().and_then(|_| build_page()),
        "run" => run(rest),
        "test" => test(rest),
        "bench" => bench(),
        "fuzz" => fuzz(),
        "size" => size_report(true).map(|_| ()),
        _ => {
            eprintln!(
                "usage: cargo xtask <setup|build|run|test|bench|fuzz|size>\n\
                 \n  setup  install the toolchain pieces (idempotent)\
                 \n  build  release build of the page into dist/ (precompressed)\
                 \n  run    build and serve the page with the Okta simulator and the proxy\
                 \n  test   run every test (native, browser, end to end)\
                 \n  bench  measure the release page into BENCHMARK.md\
                 \n  fuzz   long property-based fuzz run\
                 \n  size   print the first-load bytes of dist/ and check the budget"
            );
            return if cmd == "help" {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
    };
    match result {
        Ok(()) => {
            eprintln!("xtask {cmd}: done in {:.0?}", started.elapsed());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\nxtask {cmd} FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn cargo_bin_dir() -> PathBuf {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from("/root/.cargo"))
        .join("bin")
}

/// PATH with node_modules/.bin (wasm-opt) and cargo's bin dir in front.
fn tool_path() -> String {
    let mut parts = vec![
        root().join("node_modules/.bin").display().to_string(),
        cargo_bin_dir().display().to_string(),
    ];
    if let Ok(p) = env::var("PATH") {
        parts.push(p);
    }
    parts.join(":")
}

fn step(title: &str) {
    eprintln!("\n==> {title}");
}

fn cmd(program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root()).env("PATH", tool_path());
    // A CI run builds once: incremental caches (about 1 GB) would only fill its disk.
    if program == "cargo" && std::env::var_os("CI").is_some() {
        c.env("CARGO_INCREMENTAL", "0");
    }
    c
}

fn run_cmd(c: &mut Command) -> Result {
    let shown = format!("{c:?}");
    let status = c
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} exited with {status}"))
    }
}

fn output_of(c: &mut Command) -> Option<String> {
    let out = c.stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn is_root() -> bool {
    output_of(Command::new("id").arg("-u")).as_deref() == Some("0")
}

/// The wasm-bindgen version locked in Cargo.lock; the CLI must equal it exactly.
fn locked_wasm_bindgen() -> Result<String> {
    let lock = fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".into())
}

// ---------------------------------------------------------------------------------------------
// setup

fn setup() -> Result {
    step("setup: wasm32 target");
    let targets =
        output_of(cmd("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if targets.lines().any(|l| l == "wasm32-unknown-unknown") {
        eprintln!("wasm32-unknown-unknown already installed");
    } else {
        run_cmd(cmd("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
            .map_err(|e| format!("{e}\n  rustup could not add the wasm32 target; install it by hand with `rustup target add wasm32-unknown-unknown`"))?;
    }

    step("setup: crates (cargo fetch)");
    run_cmd(cmd("cargo").arg("fetch"))?;

    step(&format!("setup: trunk {TRUNK_VERSION}"));
    let have = output_of(cmd("trunk").arg("--version")).unwrap_or_default();
    if have == format!("trunk {TRUNK_VERSION}") {
        eprintln!("{have} already installed");
    } else {
        eprintln!("installing trunk {TRUNK_VERSION} from crates.io (about 12 minutes on 2 cores; found: {have:?})");
        run_cmd(cmd("cargo").args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))
            .map_err(|e| format!("{e}\n  could not install Trunk from crates.io"))?;
    }

    let wbg = locked_wasm_bindgen()?;
    step(&format!("setup: wasm-bindgen CLI {wbg}"));
    let have = output_of(cmd("wasm-bindgen").arg("--version")).unwrap_or_default();
    let runner = cargo_bin_dir().join("wasm-bindgen-test-runner");
    if have == format!("wasm-bindgen {wbg}") && runner.exists() {
        eprintln!("{have} already installed");
    } else {
        eprintln!("installing wasm-bindgen-cli {wbg} (about 7 minutes; found: {have:?}); without --locked on purpose: its lockfile names a webpki-roots release the registry lacks");
        run_cmd(cmd("cargo").args(["install", "wasm-bindgen-cli", "--version", &wbg, "--force"]))
            .map_err(|e| format!("{e}\n  could not install wasm-bindgen-cli {wbg}"))?;
    }

    step("setup: npm packages (wasm-opt, terser, playwright-core, axe-core, cors-anywhere)");
    let wasm_opt =
        output_of(cmd("node_modules/.bin/wasm-opt").arg("--version")).unwrap_or_default();
    let stamp = root().join("node_modules/.package-lock.json");
    let lock_newer = match (
        fs::metadata(&stamp),
        fs::metadata(root().join("package-lock.json")),
    ) {
        (Ok(s), Ok(l)) => l.modified().ok() > s.modified().ok(),
        _ => true,
    };
    let complete = ["terser", "acorn"]
        .iter()
        .all(|p| root().join("node_modules").join(p).exists());
    if wasm_opt.contains(WASM_OPT_VERSION) && !lock_newer && complete {
        eprintln!("node_modules up to date ({wasm_opt})");
    } else {
        run_cmd(cmd("npm").args(["ci", "--no-audit", "--no-fund"])).map_err(|e| {
            format!("{e}\n  npm could not install the packages in package-lock.json")
        })?;
    }

    step("setup: Chromium, ChromeDriver and redis-server (Debian)");
    // redis-server: the proxy's shared rate-limit test starts one on loopback.
    if Path::new("/usr/bin/chromium").exists()
        && Path::new("/usr/bin/chromedriver").exists()
        && Path::new("/usr/bin/redis-server").exists()
    {
        eprintln!("chromium, chromedriver and redis-server present");
    } else if is_root() {
        let apt = |args: &[&str]| {
            run_cmd(
                Command::new("apt-get")
                    .args(args)
                    .env("DEBIAN_FRONTEND", "noninteractive"),
            )
        };
        apt(&["update"]).ok();
        apt(&[
            "install",
            "-y",
            "--no-install-recommends",
            "chromium",
            "chromium-driver",
            "redis-server",
        ])
        .map_err(|e| {
            format!(
                "{e}\n  could not install chromium, chromium-driver and redis-server with apt-get"
            )
        })?;
    } else {
        return Err("Chromium or redis-server is missing: run `sudo apt-get install -y chromium chromium-driver redis-server` (Debian) and retry".into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// build

fn build_page() -> Result {
    // Minifying and precompressing are Trunk's post_build hook (Trunk.toml), so this is exactly
    // what `trunk build --release` produces.
    step("build: trunk build --release --offline");
    run_cmd(cmd("trunk").args(["build", "--release", "--offline"]))?;
    size_report(false)?;
    Ok(())
}

/// First-load bytes per asset, and the budget check. Bytes are deterministic, so this gates CI.
fn size_report(print_only: bool) -> Result<u64> {
    let out = output_of(cmd("node").args(["scripts/precompress.mjs", "dist", "--report"]))
        .ok_or("could not measure dist/ (is the page built?)")?;
    eprintln!("{out}");
    let total: u64 = out
        .lines()
        .find_map(|l| l.strip_prefix("total brotli bytes: "))
        .and_then(|v| v.trim().parse().ok())
        .ok_or("size report has no total")?;
    if total > BROTLI_BUDGET_BYTES {
        let msg =
            format!("first load is {total} bytes brotli, over the budget of {BROTLI_BUDGET_BYTES}");
        if print_only {
            eprintln!("{msg}");
        } else {
            return Err(msg);
        }
    } else {
        eprintln!("size budget: {total} <= {BROTLI_BUDGET_BYTES} bytes brotli: ok");
    }
    Ok(total)
}

fn build_native_tools(profile: &str) -> Result<PathBuf> {
    step("build: okta-sim and okta-proxy");
    let mut c = cmd("cargo");
    c.args(["build", "-p", "okta-sim", "-p", "okta-proxy"]);
    if profile != "dev" {
        c.args(["--profile", profile]);
    }
    run_cmd(&mut c)?;
    Ok(target_dir().join(if profile == "dev" { "debug" } else { profile }))
}

// ---------------------------------------------------------------------------------------------
// run

struct Service {
    child: Child,
    url: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start a native service and wait for its "listening on <url>" line.
fn start_service(bin: &Path, args: &[String]) -> Result<Service> {
    let mut child = Command::new(bin)
        .args(args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let stdout = child.stdout.take().expect("piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let url = line
        .split("listening on ")
        .nth(1)
        .map(|u| u.trim().to_string())
        .ok_or_else(|| format!("{} did not say where it listens: {line:?}", bin.display()))?;
    Ok(Service { child, url })
}

fn run(args: &[String]) -> Result {
    let port = args
        .iter()
        .position(|a| a == "--port")
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| "8787".into());
    setup()?;
    build_page()?;
    let bin = build_native_tools("dev")?;
    step("run: Okta simulator and proxy on loopback");
    let sim = start_service(
        &bin.join("okta-sim"),
        &["--listen".into(), "127.0.0.1:0".into()],
    )?;
    let page = format!("http://127.0.0.1:{port}");
    // The demo offers all three credential types: the proxy is also the platform's check server,
    // signing with the simulator's demo platform key (a public test fixture).
    let run_config = root().join("target/tmp/run-config.json");
    fs::create_dir_all(root().join("target/tmp")).map_err(|e| e.to_string())?;
    let mut config: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root().join("config.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| format!("config.json: {e}"))?;
    config["credentials"] = serde_json::json!(["api_token", "service_app", "client_secret"]);
    config["check_url"] = "/check".into();
    config["service_app"] = serde_json::json!({ "jwks_url": "/.well-known/jwks.json" });
    fs::write(&run_config, config.to_string()).map_err(|e| e.to_string())?;
    let proxy = start_service(
        &bin.join("okta-proxy"),
        &[
            "--listen".into(),
            format!("127.0.0.1:{port}"),
            "--serve-dist".into(),
            "dist".into(),
            "--page-config".into(),
            run_config.display().to_string(),
            "--service-app-key".into(),
            root()
                .join("crates/okta-sim/fixtures/demo-platform-key.pem")
                .display()
                .to_string(),
            "--dev-upstream".into(),
            sim.url.clone(),
        ],
    )?;
    let fixtures = fs::read_to_string(root().join("crates/okta-sim/README.md")).unwrap_or_default();
    let demo: String = fixtures
        .lines()
        .skip_while(|l| !l.starts_with("| "))
        .take_while(|l| l.starts_with('|'))
        .collect::<Vec<_>>()
        .join("\n");
    println!(
        "\n  okta-link is running.\n\n  Open  {}/\n\n  Paste one of these demo orgs and tokens (the simulator answers for them):\n\n{demo}\n\n  (simulator at {}; the proxy routes all Okta traffic to it: development mode)\n  Press Ctrl-C to stop.",
        proxy.url, sim.url
    );
    let _ = page;
    // Wait until one of the services ends (Ctrl-C ends all of us).
    let mut services = [sim, proxy];
    loop {
        for s in services.iter_mut() {
            if let Ok(Some(status)) = s.child.try_wait() {
                return Err(format!(
                    "a service stopped ({status}); see its output above"
                ));
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

// ---------------------------------------------------------------------------------------------
// test

fn test(args: &[String]) -> Result {
    let only = |tier: &str| args.is_empty() || args.iter().any(|a| a == tier);
    setup()?;
    if only("native") {
        step("test 1/3: native unit, property and integration tests");
        run_cmd(cmd("cargo").args(["fmt", "--all", "--check"]))
            .map_err(|e| format!("{e}\n  run `cargo fmt --all`"))?;
        run_cmd(
            cmd("cargo")
                .args(["test", "--workspace"])
                .env("PROPTEST_CASES", "512"),
        )?;
    }
    if only("browser") {
        step("test 2/3: wasm-bindgen-test in headless Chromium");
        run_cmd(
            cmd("cargo")
                .args([
                    "test",
                    "-p",
                    "okta-link",
                    "--target",
                    "wasm32-unknown-unknown",
                    "--lib",
                    "--tests",
                ])
                .env("CHROMEDRIVER", "/usr/bin/chromedriver")
                .env("WASM_BINDGEN_TEST_TIMEOUT", "180"),
        )?;
    }
    if only("e2e") {
        step("test 3/3: release build, size budget, end to end in headless Chromium");
        build_page()?;
        let bin = build_native_tools("dev")?;
        run_cmd(
            cmd("node")
                .args(["--test", "--test-concurrency=1", "--test-timeout=300000"])
                .arg("tests/e2e/")
                .env("OKTA_SIM_BIN", bin.join("okta-sim"))
                .env("OKTA_PROXY_BIN", bin.join("okta-proxy"))
                .env("DIST_DIR", root().join("dist")),
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// bench and fuzz

fn bench() -> Result {
    setup()?;
    build_page()?;
    // The servers as deployed (`cargo build --release`), not the quicker `tools` build.
    let bin = build_native_tools("release")?;
    step("bench: bytes, load time, check time, keystroke (tests/bench/bench.mjs)");
    run_cmd(
        cmd("node")
            .arg("tests/bench/bench.mjs")
            .env("OKTA_SIM_BIN", bin.join("okta-sim"))
            .env("OKTA_PROXY_BIN", bin.join("okta-proxy"))
            .env("DIST_DIR", root().join("dist")),
    )
}

/// The property-based fuzz suites, by test binary: every parser of untrusted input.
const FUZZ_SUITES: &[(&str, &[&str])] = &[
    (
        "okta-link",
        &[
            "--test",
            "fuzz",
            "--test",
            "normalize_props",
            "--test",
            "config",
            "--test",
            "check",
        ],
    ),
    ("okta-proxy", &["--lib", "--test", "it"]),
];

fn fuzz() -> Result {
    let cases = env::var("FUZZ_CASES").unwrap_or_else(|_| "20000".into());
    step(&format!(
        "fuzz: property suites with PROPTEST_CASES={cases}"
    ));
    let mut passed = 0u64;
    let mut failed = 0u64;
    for (package, args) in FUZZ_SUITES {
        let out = cmd("cargo")
            .args(["test", "--profile", "tools", "-p", package])
            .args(*args)
            .env("PROPTEST_CASES", &cases)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("could not run cargo test: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        print!("{text}");
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("test result: ") {
                let count = |word: &str| {
                    rest.split(';')
                        .find_map(|p| p.trim().strip_suffix(word))
                        .and_then(|n| n.trim().rsplit(' ').next()?.parse::<u64>().ok())
                        .unwrap_or(0)
                };
                passed += count(" passed");
                failed += count(" failed");
            }
        }
        if !out.status.success() {
            return Err(format!(
                "fuzz suites of {package} found a failure (see above)"
            ));
        }
    }
    eprintln!(
        "fuzz: {passed} tests passed, {failed} failed; each property ran {cases} generated cases"
    );
    Ok(())
}
