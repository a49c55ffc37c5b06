//! Runs `jira-connect check --notify` on a schedule, with the window closed: once a day
//! and at login, catching up on a run missed while the machine was off.
//!
//! - **Linux**: a systemd user timer and service in `$XDG_CONFIG_HOME/systemd/user/`
//!   (`~/.config/systemd/user/` by default), with `OnCalendar=daily`, `OnStartupSec=` and
//!   `Persistent=true`. When no user manager is running, the units are still written and
//!   the commands to run are returned.
//! - **macOS**: a LaunchAgent in `~/Library/LaunchAgents/`, run at load (login) and daily.
//! - **Windows**: a Task Scheduler task (`schtasks`), run daily and at logon, and as soon
//!   as possible after a missed run.
//!
//! The command always names the running binary by its absolute path.

use std::path::{Path, PathBuf};

use crate::core::error::Error;

/// The systemd units' name, without suffix.
#[cfg(any(target_os = "linux", test))]
pub(crate) const UNIT: &str = "jira-connect-reminders";

/// What enabling did.
#[derive(Debug)]
pub struct Enabled {
    /// The files written.
    pub files: Vec<PathBuf>,
    /// Whether the scheduler took it up.
    pub activation: Activation,
}

/// Whether the scheduler itself was told.
#[derive(Debug, PartialEq)]
pub enum Activation {
    /// The schedule is active.
    Active,
    /// The scheduler could not be reached; the user has to run these commands.
    Manual {
        reason: String,
        commands: Vec<String>,
    },
}

/// What disabling did.
#[derive(Debug)]
pub struct Disabled {
    /// The files removed.
    pub removed: Vec<PathBuf>,
    /// Why the scheduler could not be told, when it could not.
    pub manager_error: Option<String>,
}

/// Whether reminders are scheduled, as far as can be seen.
#[derive(Debug, Default)]
pub struct ScheduleState {
    /// The unit, agent or task is installed.
    pub installed: bool,
    /// The scheduler says it is active; `None` when it cannot be asked.
    pub active: Option<bool>,
    /// When it runs next, as the scheduler says it.
    pub next_run: Option<String>,
    /// Why the scheduler could not be asked.
    pub manager_error: Option<String>,
    /// Where it is installed.
    pub location: Option<PathBuf>,
}

fn scheduler_error(action: &'static str, detail: impl std::fmt::Display) -> Error {
    Error::Scheduler {
        action,
        detail: detail.to_string(),
    }
}

/// Runs a program and returns its stdout, or a sentence saying why it failed.
fn run(program: &str, args: &[&str]) -> Result<String, String> {
    let output = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("{program} is not installed"),
            _ => format!("{program} cannot be started: {e}"),
        })?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        Err(format!(
            "`{program} {}` failed ({}){}",
            args.join(" "),
            output.status,
            if first.is_empty() {
                String::new()
            } else {
                format!(": {}", first.trim())
            }
        ))
    }
}

/// The absolute path of the running binary.
pub(crate) fn current_exe() -> Result<PathBuf, Error> {
    let exe = std::env::current_exe().map_err(|e| scheduler_error("find", e))?;
    Ok(exe.canonicalize().unwrap_or(exe))
}

#[cfg(any(target_os = "linux", target_os = "macos"))]
/// The config directory to pass on, when `JIRA_CONNECT_CONFIG_DIR` chose one.
fn config_dir_override() -> Option<PathBuf> {
    std::env::var_os(crate::core::config::CONFIG_DIR_ENV)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .map(|d| std::path::absolute(&d).unwrap_or(d))
}

/// Quotes one word for a systemd `ExecStart=` or `Environment=` line: double quotes, C
/// escapes for `\` and `"`, `%%` for a literal `%` (specifiers) and, with `exec`, `$$` for
/// a literal `$` (variable expansion, which applies to `ExecStart=`'s arguments but not to
/// its program path). Control characters cannot be written.
#[cfg(any(target_os = "linux", test))]
pub(crate) fn systemd_quote(word: &str, exec: bool) -> Result<String, Error> {
    if word.chars().any(char::is_control) {
        return Err(scheduler_error(
            "write",
            format!("{word:?} holds a control character, which a systemd unit cannot hold"),
        ));
    }
    let mut out = String::with_capacity(word.len() + 2);
    out.push('"');
    for ch in word.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '%' => out.push_str("%%"),
            '$' if exec => out.push_str("$$"),
            _ => out.push(ch),
        }
    }
    out.push('"');
    Ok(out)
}

/// The systemd service unit that runs the check.
#[cfg(any(target_os = "linux", test))]
pub(crate) fn service_unit(exe: &Path, config_dir: Option<&Path>) -> Result<String, Error> {
    let exe = exe
        .to_str()
        .ok_or_else(|| scheduler_error("write", "the binary's path is not valid UTF-8"))?;
    let mut unit = String::from(
        "[Unit]\n\
         Description=jira-connect: check Jira connections and notify about tokens that need attention\n\
         \n\
         [Service]\n\
         Type=oneshot\n",
    );
    // systemd expands no variables in the program's path and reads `$$` there as two
    // dollar signs, so a `$` in it is written as it is; `%` is still a specifier.
    unit.push_str(&format!(
        "ExecStart={} check --notify\n",
        systemd_quote(exe, false)?
    ));
    if let Some(dir) = config_dir {
        let dir = dir
            .to_str()
            .ok_or_else(|| scheduler_error("write", "the config directory is not valid UTF-8"))?;
        let assignment = format!("{}={dir}", crate::core::config::CONFIG_DIR_ENV);
        unit.push_str(&format!(
            "Environment={}\n",
            systemd_quote(&assignment, false)?
        ));
    }
    unit.push_str(
        "# A failed check is reported by notification; the run itself succeeded.\n\
         SuccessExitStatus=1\n\
         # A click on a notification starts the app: let it outlive the check.\n\
         KillMode=process\n",
    );
    Ok(unit)
}

/// The systemd timer unit: daily, a minute after login, and a missed run at the next start.
#[cfg(any(target_os = "linux", test))]
pub(crate) fn timer_unit() -> String {
    format!(
        "[Unit]\n\
         Description=jira-connect reminders: check Jira tokens daily and at login\n\
         \n\
         [Timer]\n\
         OnCalendar=daily\n\
         OnStartupSec=1min\n\
         Persistent=true\n\
         Unit={UNIT}.service\n\
         \n\
         [Install]\n\
         WantedBy=timers.target\n"
    )
}

/// `$XDG_CONFIG_HOME/systemd/user`, or `~/.config/systemd/user`.
#[cfg(target_os = "linux")]
pub(crate) fn systemd_user_dir() -> Result<PathBuf, Error> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().join(".config")))
        .ok_or_else(|| scheduler_error("find", "no home directory and no XDG_CONFIG_HOME"))?;
    Ok(base.join("systemd").join("user"))
}

#[cfg(any(target_os = "linux", target_os = "macos"))]
fn write_file(path: &Path, contents: &str) -> Result<(), Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| Error::ConfigIo {
            action: "create",
            path: dir.to_path_buf(),
            source,
        })?;
    }
    // Unit files hold no secret; 0644 as systemd and launchd expect of them.
    crate::core::atomic::replace(path, contents.as_bytes(), 0o644)
}

#[cfg(any(target_os = "linux", target_os = "macos"))]
fn remove_file(path: &Path, removed: &mut Vec<PathBuf>) -> Result<(), Error> {
    match std::fs::remove_file(path) {
        Ok(()) => {
            removed.push(path.to_path_buf());
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::ConfigIo {
            action: "remove",
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use super::*;

    fn systemctl(args: &[&str]) -> Result<String, String> {
        let mut all = vec!["--user"];
        all.extend_from_slice(args);
        run("systemctl", &all)
    }

    fn paths() -> Result<(PathBuf, PathBuf), Error> {
        let dir = systemd_user_dir()?;
        Ok((
            dir.join(format!("{UNIT}.service")),
            dir.join(format!("{UNIT}.timer")),
        ))
    }

    pub fn enable(exe: &Path) -> Result<Enabled, Error> {
        let (service, timer) = paths()?;
        let service_text = service_unit(exe, config_dir_override().as_deref())?;
        write_file(&service, &service_text)?;
        write_file(&timer, &timer_unit())?;
        let timer_name = format!("{UNIT}.timer");
        let activation = match systemctl(&["daemon-reload"])
            .and_then(|_| systemctl(&["enable", "--now", &timer_name]))
        {
            Ok(_) => Activation::Active,
            Err(reason) => Activation::Manual {
                reason,
                commands: vec![
                    "systemctl --user daemon-reload".into(),
                    format!("systemctl --user enable --now {timer_name}"),
                ],
            },
        };
        Ok(Enabled {
            files: vec![service, timer],
            activation,
        })
    }

    pub fn disable() -> Result<Disabled, Error> {
        let (service, timer) = paths()?;
        let installed = service.exists() || timer.exists();
        let mut manager_error = None;
        if installed && let Err(e) = systemctl(&["disable", "--now", &format!("{UNIT}.timer")]) {
            manager_error = Some(e);
        }
        let mut removed = Vec::new();
        remove_file(&timer, &mut removed)?;
        remove_file(&service, &mut removed)?;
        if installed
            && manager_error.is_none()
            && let Err(e) = systemctl(&["daemon-reload"])
        {
            manager_error = Some(e);
        }
        Ok(Disabled {
            removed,
            manager_error,
        })
    }

    pub fn status() -> Result<ScheduleState, Error> {
        let (_, timer) = paths()?;
        let mut state = ScheduleState {
            installed: timer.exists(),
            location: Some(timer),
            ..Default::default()
        };
        if !state.installed {
            return Ok(state);
        }
        match systemctl(&[
            "show",
            &format!("{UNIT}.timer"),
            "--property=ActiveState",
            "--property=NextElapseUSecRealtime",
        ]) {
            Ok(text) => {
                for line in text.lines() {
                    match line.split_once('=') {
                        Some(("ActiveState", v)) => state.active = Some(v == "active"),
                        Some(("NextElapseUSecRealtime", v)) if !v.is_empty() && v != "0" => {
                            state.next_run = Some(v.to_string())
                        }
                        _ => {}
                    }
                }
            }
            Err(e) => state.manager_error = Some(e),
        }
        Ok(state)
    }
}

#[cfg(target_os = "macos")]
mod platform {
    use super::*;

    const LABEL: &str = "com.jira-connect.reminders";

    fn plist_path() -> Result<PathBuf, Error> {
        let home = directories::BaseDirs::new()
            .map(|d| d.home_dir().to_path_buf())
            .ok_or_else(|| scheduler_error("find", "no home directory"))?;
        Ok(home
            .join("Library")
            .join("LaunchAgents")
            .join(format!("{LABEL}.plist")))
    }

    fn xml_escape(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    }

    /// The LaunchAgent: at load (login) and every day at 09:00.
    pub(crate) fn plist(exe: &Path, config_dir: Option<&Path>) -> String {
        let env = config_dir
            .map(|d| {
                format!(
                    "  <key>EnvironmentVariables</key>\n  <dict>\n    <key>{}</key>\n    <string>{}</string>\n  </dict>\n",
                    crate::core::config::CONFIG_DIR_ENV,
                    xml_escape(&d.to_string_lossy())
                )
            })
            .unwrap_or_default();
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
             <plist version=\"1.0\">\n<dict>\n\
             \x20 <key>Label</key>\n  <string>{LABEL}</string>\n\
             \x20 <key>ProgramArguments</key>\n  <array>\n    <string>{}</string>\n    <string>check</string>\n    <string>--notify</string>\n  </array>\n\
             {env}\
             \x20 <key>RunAtLoad</key>\n  <true/>\n\
             \x20 <key>StartCalendarInterval</key>\n  <dict>\n    <key>Hour</key>\n    <integer>9</integer>\n    <key>Minute</key>\n    <integer>0</integer>\n  </dict>\n\
             </dict>\n</plist>\n",
            xml_escape(&exe.to_string_lossy())
        )
    }

    pub fn enable(exe: &Path) -> Result<Enabled, Error> {
        let path = plist_path()?;
        write_file(&path, &plist(exe, config_dir_override().as_deref()))?;
        let path_text = path.to_string_lossy().to_string();
        let _ = run("launchctl", &["unload", &path_text]);
        let activation = match run("launchctl", &["load", "-w", &path_text]) {
            Ok(_) => Activation::Active,
            Err(reason) => Activation::Manual {
                reason,
                commands: vec![format!("launchctl load -w '{path_text}'")],
            },
        };
        Ok(Enabled {
            files: vec![path],
            activation,
        })
    }

    pub fn disable() -> Result<Disabled, Error> {
        let path = plist_path()?;
        let mut manager_error = None;
        if path.exists()
            && let Err(e) = run("launchctl", &["unload", "-w", &path.to_string_lossy()])
        {
            manager_error = Some(e);
        }
        let mut removed = Vec::new();
        remove_file(&path, &mut removed)?;
        Ok(Disabled {
            removed,
            manager_error,
        })
    }

    pub fn status() -> Result<ScheduleState, Error> {
        let path = plist_path()?;
        let mut state = ScheduleState {
            installed: path.exists(),
            location: Some(path),
            ..Default::default()
        };
        if state.installed {
            match run("launchctl", &["list", LABEL]) {
                Ok(_) => {
                    state.active = Some(true);
                    state.next_run = Some("daily at 09:00, and at login".into());
                }
                Err(e) => {
                    state.active = Some(false);
                    state.manager_error = Some(e);
                }
            }
        }
        Ok(state)
    }
}

#[cfg(target_os = "windows")]
mod platform {
    use super::*;

    const TASK: &str = "jira-connect reminders";

    fn xml_escape(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    }

    /// The task: daily at 09:00, at this user's logon, and as soon as possible after a
    /// missed run.
    pub(crate) fn task_xml(exe: &Path) -> String {
        let user = match (std::env::var("USERDOMAIN"), std::env::var("USERNAME")) {
            (Ok(domain), Ok(user)) => format!("{domain}\\{user}"),
            (_, Ok(user)) => user,
            _ => String::new(),
        };
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n\
             <Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\r\n\
             <Triggers>\r\n\
             <CalendarTrigger><StartBoundary>2024-01-01T09:00:00</StartBoundary><Enabled>true</Enabled><ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay></CalendarTrigger>\r\n\
             <LogonTrigger><Enabled>true</Enabled><UserId>{}</UserId></LogonTrigger>\r\n\
             </Triggers>\r\n\
             <Settings><StartWhenAvailable>true</StartWhenAvailable><DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries><StopIfGoingOnBatteries>false</StopIfGoingOnBatteries><MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy></Settings>\r\n\
             <Actions Context=\"Author\"><Exec><Command>{}</Command><Arguments>check --notify</Arguments></Exec></Actions>\r\n\
             </Task>\r\n",
            xml_escape(&user),
            xml_escape(&exe.to_string_lossy())
        )
    }

    pub fn enable(exe: &Path) -> Result<Enabled, Error> {
        let dir = crate::core::config::ConfigStore::from_env()?
            .dir()
            .to_path_buf();
        let path = dir.join("reminders-task.xml");
        let xml = task_xml(exe);
        let mut bytes = vec![0xFF, 0xFE];
        for unit in xml.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        std::fs::create_dir_all(&dir).map_err(|source| Error::ConfigIo {
            action: "create",
            path: dir.clone(),
            source,
        })?;
        crate::core::atomic::replace(&path, &bytes, 0o644)?;
        let path_text = path.to_string_lossy().to_string();
        let result = run(
            "schtasks",
            &["/Create", "/TN", TASK, "/XML", &path_text, "/F"],
        );
        let _ = std::fs::remove_file(&path);
        result.map_err(|e| scheduler_error("create", e))?;
        Ok(Enabled {
            files: Vec::new(),
            activation: Activation::Active,
        })
    }

    pub fn disable() -> Result<Disabled, Error> {
        let manager_error = run("schtasks", &["/Delete", "/TN", TASK, "/F"]).err();
        Ok(Disabled {
            removed: Vec::new(),
            manager_error,
        })
    }

    pub fn status() -> Result<ScheduleState, Error> {
        let mut state = ScheduleState::default();
        match run("schtasks", &["/Query", "/TN", TASK, "/FO", "LIST"]) {
            Ok(text) => {
                state.installed = true;
                state.active = Some(true);
                state.next_run = text
                    .lines()
                    .find_map(|l| {
                        l.split_once(':')
                            .filter(|(k, _)| k.trim() == "Next Run Time")
                    })
                    .map(|(_, v)| v.trim().to_string());
            }
            Err(e) => state.manager_error = Some(e),
        }
        Ok(state)
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
mod platform {
    use super::*;

    pub fn enable(_exe: &Path) -> Result<Enabled, Error> {
        Err(scheduler_error("create", "not supported on this platform"))
    }

    pub fn disable() -> Result<Disabled, Error> {
        Err(scheduler_error("remove", "not supported on this platform"))
    }

    pub fn status() -> Result<ScheduleState, Error> {
        Ok(ScheduleState::default())
    }
}

/// Schedules `exe check --notify` daily and at login. Refuses a binary that another local
/// user could replace before the schedule runs it (see [`unsafe_location`]).
pub fn enable(exe: &Path) -> Result<Enabled, Error> {
    if let Some(why) = unsafe_location(exe, &temp_roots()) {
        return Err(scheduler_error(
            "set up",
            format!(
                "{} {why}, so another user of this computer could replace it and have it run \
                 as you. Install jira-connect in a directory only you (or the system) can \
                 write to, such as ~/.local/bin or /usr/bin, and enable reminders from there",
                exe.display()
            ),
        ));
    }
    platform::enable(exe)
}

/// The temporary directories, where anyone may create files and which are cleaned out:
/// the platform's, and on Unix `/tmp`, `/var/tmp` and `/dev/shm`.
fn temp_roots() -> Vec<PathBuf> {
    let unix: &[&str] = if cfg!(unix) {
        &["/tmp", "/var/tmp", "/dev/shm"]
    } else {
        &[]
    };
    std::iter::once(std::env::temp_dir())
        .chain(unix.iter().map(PathBuf::from))
        .map(|r| r.canonicalize().unwrap_or(r))
        .collect()
}

/// Why a schedule must not run `exe` from where it is, or `None` when it may: the binary
/// lies under one of `temp_roots` (an unpacked archive in /tmp, an AppImage's mount), or,
/// on Unix, it or a directory above it is writable by every user (without the sticky bit)
/// or belongs to a user other than this one and root. Group write is allowed: on Debian
/// `/usr/local` belongs to the group `staff` by design.
pub(crate) fn unsafe_location(exe: &Path, temp_roots: &[PathBuf]) -> Option<String> {
    if let Some(root) = temp_roots.iter().find(|r| exe.starts_with(r)) {
        return Some(format!(
            "lies under the temporary directory {}",
            root.display()
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = rustix::process::geteuid().as_raw();
        for place in exe.ancestors() {
            let Ok(meta) = std::fs::symlink_metadata(place) else {
                continue;
            };
            let mode = meta.mode();
            let what = if place == exe { "it" } else { "its directory" };
            if mode & 0o002 != 0 && mode & 0o1000 == 0 {
                return Some(format!(
                    "is in an unsafe place: {what} {} is writable by every user",
                    place.display()
                ));
            }
            if meta.uid() != me && meta.uid() != 0 {
                return Some(format!(
                    "is in an unsafe place: {what} {} belongs to another user (uid {})",
                    place.display(),
                    meta.uid()
                ));
            }
        }
    }
    None
}

/// Removes the schedule.
pub fn disable() -> Result<Disabled, Error> {
    platform::disable()
}

/// Whether reminders are scheduled, and when they run next.
pub fn status() -> Result<ScheduleState, Error> {
    platform::status()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systemd_words_are_quoted_for_specifiers_variables_and_escapes() {
        assert_eq!(
            systemd_quote("/opt/my apps/jira-connect", true).unwrap(),
            "\"/opt/my apps/jira-connect\""
        );
        assert_eq!(
            systemd_quote(r#"/a/100%/$HOME/"q"\b"#, true).unwrap(),
            r#""/a/100%%/$$HOME/\"q\"\\b""#
        );
        assert_eq!(systemd_quote("a$b%", false).unwrap(), "\"a$b%%\"");
        assert!(systemd_quote("a\nb", true).is_err());
    }

    /// systemd reads `$$` in the program's path as two dollar signs: a `$` there is
    /// written as it is (`systemd-analyze verify` accepts it; see tests/reminders.rs).
    #[test]
    fn a_dollar_in_the_binary_path_is_written_as_it_is() {
        let unit = service_unit(Path::new("/opt/a$b/100%/jira-connect"), None).unwrap();
        assert!(
            unit.contains("\nExecStart=\"/opt/a$b/100%%/jira-connect\" check --notify\n"),
            "{unit}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_binary_others_can_replace_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let base = tempfile::tempdir().unwrap();
        let base = base.path().canonicalize().unwrap();
        let mode = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
        };
        let safe = base.join("bin");
        std::fs::create_dir(&safe).unwrap();
        let exe = safe.join("jira-connect");
        std::fs::write(&exe, "").unwrap();
        mode(&exe, 0o755);
        mode(&safe, 0o755);
        // The test's own temporary directory is where every user may write.
        let why = unsafe_location(&exe, std::slice::from_ref(&base)).unwrap();
        assert!(why.contains("temporary directory"), "{why}");
        // Outside a temporary directory (none given here), the modes decide.
        mode(&base, 0o700);
        assert_eq!(unsafe_location(&exe, &[]), None);
        mode(&safe, 0o777);
        let why = unsafe_location(&exe, &[]).unwrap();
        assert!(why.contains("writable by every user"), "{why}");
        mode(&safe, 0o1777);
        assert_eq!(unsafe_location(&exe, &[]), None);
        mode(&safe, 0o755);
        mode(&exe, 0o757);
        let why = unsafe_location(&exe, &[]).unwrap();
        assert!(why.contains("it ") && why.contains("every user"), "{why}");
    }

    #[test]
    fn the_service_runs_this_binary_with_the_chosen_config() {
        let unit = service_unit(
            Path::new("/home/mia/bin/jira connect"),
            Some(Path::new("/home/mia/cfg")),
        )
        .unwrap();
        assert!(
            unit.contains("\nExecStart=\"/home/mia/bin/jira connect\" check --notify\n"),
            "{unit}"
        );
        assert!(
            unit.contains("\nEnvironment=\"JIRA_CONNECT_CONFIG_DIR=/home/mia/cfg\"\n"),
            "{unit}"
        );
        let timer = timer_unit();
        for line in [
            "OnCalendar=daily",
            "Persistent=true",
            "WantedBy=timers.target",
        ] {
            assert!(timer.contains(line), "{timer}");
        }
    }
}
