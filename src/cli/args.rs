//! A small command-line parser: `--flag value`, `--flag=value`, switches, positionals, and
//! `--` to end the flags. Errors name the flag and become exit code 2.

use std::fmt::Display;
use std::ops::RangeInclusive;
use std::str::FromStr;

use super::{CliError, CliResult};

/// Parsed arguments of one command.
#[derive(Debug)]
pub struct Args {
    command: String,
    values: Vec<(&'static str, String)>,
    switches: Vec<&'static str>,
    positionals: Vec<String>,
    help: bool,
}

impl Args {
    /// Parses `raw` for `command` (e.g. `sonet client send`): `options` take a value,
    /// `switches` do not. `-h`/`--help` anywhere before `--` asks for help.
    pub fn parse(
        command: &str,
        raw: &[String],
        options: &[&'static str],
        switches: &[&'static str],
    ) -> CliResult<Args> {
        let mut args = Args {
            command: command.to_string(),
            values: Vec::new(),
            switches: Vec::new(),
            positionals: Vec::new(),
            help: false,
        };
        let mut iter = raw.iter();
        while let Some(arg) = iter.next() {
            if arg == "--" {
                args.positionals.extend(iter.by_ref().cloned());
                break;
            }
            if arg == "-h" || arg == "--help" {
                args.help = true;
                continue;
            }
            if !arg.starts_with('-') || arg == "-" || is_negative_number(arg) {
                args.positionals.push(arg.clone());
                continue;
            }
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (arg.as_str(), None),
            };
            if let Some(&flag) = options.iter().find(|o| **o == name) {
                let value = match inline {
                    Some(value) => value,
                    None => match iter.next() {
                        Some(value) => value.clone(),
                        None => {
                            return Err(CliError::usage(command, format!("{flag} needs a value")))
                        }
                    },
                };
                if args.values.iter().any(|(f, _)| *f == flag) {
                    return Err(CliError::usage(command, format!("{flag} is given twice")));
                }
                args.values.push((flag, value));
            } else if let Some(&flag) = switches.iter().find(|s| **s == name) {
                if inline.is_some() {
                    return Err(CliError::usage(command, format!("{flag} takes no value")));
                }
                if !args.switches.contains(&flag) {
                    args.switches.push(flag);
                }
            } else {
                let mut known: Vec<&str> = options.iter().chain(switches).copied().collect();
                known.sort_unstable();
                return Err(CliError::usage(
                    command,
                    if known.is_empty() {
                        format!("unknown flag {name}; this command takes no flags")
                    } else {
                        format!("unknown flag {name}; known flags: {}", known.join(", "))
                    },
                ));
            }
        }
        Ok(args)
    }

    /// The command these arguments belong to (for messages).
    pub fn command(&self) -> &str {
        &self.command
    }

    /// Whether `-h`/`--help` was given.
    pub fn help(&self) -> bool {
        self.help
    }

    pub fn value(&self, flag: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(f, _)| *f == flag)
            .map(|(_, v)| v.as_str())
    }

    pub fn switch(&self, flag: &str) -> bool {
        self.switches.contains(&flag)
    }

    pub fn positionals(&self) -> &[String] {
        &self.positionals
    }

    /// A usage error for this command.
    pub fn error(&self, message: impl Into<String>) -> CliError {
        CliError::usage(&self.command, message)
    }

    /// Fails when more than `max` positionals were given.
    pub fn at_most(&self, max: usize, what: &str) -> CliResult<()> {
        if self.positionals.len() > max {
            return Err(self.error(format!(
                "unexpected argument {:?} ({what})",
                self.positionals[max]
            )));
        }
        Ok(())
    }

    /// A numeric flag within `range`, or `default`.
    pub fn number<T>(&self, flag: &str, default: T, range: RangeInclusive<T>) -> CliResult<T>
    where
        T: FromStr + PartialOrd + Display + Copy,
    {
        let Some(text) = self.value(flag) else {
            return Ok(default);
        };
        match text.trim().parse::<T>() {
            Ok(value) if range.contains(&value) => Ok(value),
            _ => Err(self.error(format!(
                "{flag} {text:?}: give a whole number from {} to {}",
                range.start(),
                range.end()
            ))),
        }
    }
}

fn is_negative_number(arg: &str) -> bool {
    arg.len() > 1 && arg[1..].chars().all(|c| c.is_ascii_digit() || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_values_switches_and_positionals() {
        let args = Args::parse(
            "t",
            &strings(&["a", "--port", "5", "--x=y", "--follow", "b", "--", "--c"]),
            &["--port", "--x"],
            &["--follow"],
        )
        .unwrap();
        assert_eq!(args.value("--port"), Some("5"));
        assert_eq!(args.value("--x"), Some("y"));
        assert!(args.switch("--follow"));
        assert_eq!(args.positionals(), &strings(&["a", "b", "--c"]));
        assert_eq!(args.number("--port", 1u16, 1..=10).unwrap(), 5);
        assert!(args.number("--port", 1u16, 6..=10).is_err());
    }

    #[test]
    fn errors_name_the_flag() {
        let e = Args::parse("t", &strings(&["--nope"]), &["--port"], &[]).unwrap_err();
        assert!(e.to_string().contains("--nope"), "{e}");
        let e = Args::parse("t", &strings(&["--port"]), &["--port"], &[]).unwrap_err();
        assert!(e.to_string().contains("--port needs a value"), "{e}");
        let args = Args::parse("t", &strings(&["--port", "x"]), &["--port"], &[]).unwrap();
        let e = args.number("--port", 1u16, 1..=10).unwrap_err();
        assert!(e.to_string().contains("--port \"x\""), "{e}");
    }
}
