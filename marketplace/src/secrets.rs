//! Random tokens, their stored hashes, and passwords (argon2id).

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// A new random token: 32 bytes from the operating system, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS random source failing is not something a request can cause or recover from.
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a token: its SHA-256, in hex. Tokens are random and long, so a
/// fast hash is enough; a copy of the database cannot be turned back into tokens.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Argon2id with the configured memory cost, two passes and one lane (OWASP's
/// recommended minimum at 19 MiB).
fn hasher(memory_kib: u32) -> Argon2<'static> {
    let params =
        Params::new(memory_kib.max(8 * 1024), 2, 1, None).unwrap_or_else(|_| Params::default());
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password (a PHC string with its own random salt). CPU-heavy: call it
/// from a blocking thread.
pub fn hash_password(password: &str, memory_kib: u32) -> Result<String, String> {
    hasher(memory_kib)
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Hashes a password on a blocking thread, so that the request's thread keeps serving.
pub async fn hash_password_in_background(
    password: &str,
    memory_kib: u32,
) -> Result<String, String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&password, memory_kib))
        .await
        .map_err(|e| e.to_string())?
}

/// Whether `password` matches the stored hash (using the hash's own parameters).
pub fn verify_password(password: &str, phc: &str) -> bool {
    hasher(19 * 1024)
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// A hash to verify against when there is no account, so that an unknown e-mail
/// address takes as long to refuse as a wrong password.
pub fn decoy_hash(memory_kib: u32) -> String {
    hash_password("not anyone's password", memory_kib).unwrap_or_default()
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Passwords people choose most often, and words that make up most of the rest; a
/// password made of these (with digits and symbols) is refused.
const COMMON: &[&str] = &[
    "password",
    "passw0rd",
    "qwerty",
    "qwertyuiop",
    "letmein",
    "welcome",
    "admin",
    "iloveyou",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "starwars",
    "trustno1",
    "abc123",
    "123456",
    "1234567890",
    "111111",
    "000000",
    "changeme",
    "secret",
    "master",
    "shadow",
    "superman",
    "batman",
    "liverpool",
    "chelsea",
    "arsenal",
    "summer",
    "winter",
    "spring",
    "autumn",
    "january",
    "february",
    "december",
    "london",
    "england",
    "hospital",
    "nurse",
    "doctor",
    "nhs",
    "health",
    "patient",
    "default",
    "login",
    "guest",
    "test",
    "hello",
];

/// Why a password is not good enough, or `None`. The e-mail address and name are
/// checked too: a password made of them is easy to guess.
pub fn password_problem(password: &str, email: &str, name: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!(
            "Your password must be at least {MIN_PASSWORD_CHARS} characters long"
        ));
    }
    if chars > 1000 {
        return Some("Your password must be 1,000 characters or fewer".into());
    }
    let letters: String = password
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect();
    let personal: Vec<String> = email
        .split(['@', '.'])
        .chain(name.split_whitespace())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3)
        .collect();
    let mut rest = letters.clone();
    for w in COMMON.iter().map(|w| w.to_string()).chain(personal) {
        rest = rest.replace(&w, "");
    }
    let distinct = {
        let mut c: Vec<char> = password.chars().collect();
        c.sort_unstable();
        c.dedup();
        c.len()
    };
    if rest.chars().count() < 4 || distinct < 5 {
        return Some(
            "Your password is too easy to guess: avoid common words, your name and e-mail address, and repeated characters. Three random words work well"
                .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery", 8 * 1024).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=8192,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterz", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(
            h,
            hash_password("correct horse battery", 8 * 1024).unwrap(),
            "salted"
        );
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        for weak in [
            "short",
            "password123",
            "Password2024!",
            "aaaaaaaaaaaa",
            "qwerty123456",
            "samjones2025",
            "Hospital-Nurse-1",
        ] {
            assert!(
                password_problem(weak, "sam.jones@nhs.net", "Sam Jones").is_some(),
                "{weak}"
            );
        }
        for good in [
            "plum kettle orbit",
            "Tr4ffic-c0ne-lantern",
            "marble otter canyon",
        ] {
            assert_eq!(
                password_problem(good, "sam.jones@nhs.net", "Sam Jones"),
                None,
                "{good}"
            );
        }
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a).len(), 64);
        assert!(same_secret(&a, &a.clone()) && !same_secret(&a, &random_token()));
    }
}
