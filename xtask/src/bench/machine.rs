//! What the figures were measured on, read from the machine itself.

use crate::output;
use std::fs;
use std::process::Command;

/// The machine and the moment.
pub struct Machine {
    pub cpu: String,
    pub cores: String,
    pub memory: String,
    pub os: String,
    pub rustc: String,
    pub chromium: String,
    pub date: String,
    /// `/proc/loadavg`'s 1, 5 and 15-minute figures before and after the run.
    pub load_before: String,
    pub load_after: String,
}

impl Machine {
    pub fn read(load_before: String) -> Machine {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name").and_then(|v| v.split_once(':')).map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".into());
        let cores = std::thread::available_parallelism().map_or_else(|_| "unknown".into(), |n| n.to_string());
        let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .map_or_else(|| "unknown".into(), |kib| format!("{} GiB", (kib + (1 << 19)) >> 20));
        let release = fs::read_to_string("/etc/os-release").unwrap_or_default();
        let name = release
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map_or_else(|| "unknown".into(), |v| v.trim_matches('"').to_owned());
        let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let first_line = |cmd: &mut Command| {
            output(cmd).and_then(|o| o.lines().next().map(str::to_owned)).unwrap_or_else(|| "unknown".into())
        };
        Machine {
            cpu,
            cores,
            memory,
            os: format!("{name}, Linux {}", kernel.trim()),
            rustc: first_line(Command::new("rustc").arg("--version")),
            chromium: first_line(Command::new("chromium").arg("--version")),
            date: first_line(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"])),
            load_before,
            load_after: load_average(),
        }
    }
}

/// The 1, 5 and 15-minute load averages, e.g. `2.99 2.10 2.41`.
pub fn load_average() -> String {
    let loadavg = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    loadavg.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}
