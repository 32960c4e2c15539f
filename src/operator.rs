//! Who runs a command, for the audit log: the operating system's account
//! of the process (its real user id, named through the system's user
//! database), never an environment variable anyone can set.

/// `cli:NAME` for the process's real user, or `cli:uid:N` when the user
/// database has no name for it.
pub fn cli_operator() -> String {
    // SAFETY: getuid cannot fail and touches no memory.
    let uid = unsafe { libc::getuid() };
    match user_name(uid) {
        Some(name) => format!("cli:{name}"),
        None => format!("cli:uid:{uid}"),
    }
}

/// The name of user `uid` (getpwuid_r: the system's user database,
/// `/etc/passwd`, LDAP, ... as configured).
pub fn user_name(uid: libc::uid_t) -> Option<String> {
    let mut buf = vec![0u8; 16 * 1024];
    // SAFETY: a zeroed passwd is a valid value of the plain C struct.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call: `pwd` and `found` are
    // locals, `buf` is writable for its length; the strings written into
    // `buf` are read below while it lives.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr().cast(), buf.len(), &mut found) };
    if rc != 0 || found.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: getpwuid_r succeeded: pw_name points to a NUL-terminated string in `buf`.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    name.to_str().ok().filter(|n| !n.is_empty()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_named() {
        assert_eq!(user_name(0).as_deref(), Some("root"));
        assert!(cli_operator().starts_with("cli:"));
    }
}
