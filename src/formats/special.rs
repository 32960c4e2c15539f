//! Recognising special categories of personal data (GDPR art. 9, LED art. 10)
//! by field name, so they can be discarded on arrival and refused in trends
//! and watchlists.

/// Words that, as a whole word of a field name, mark special-category data.
const SPECIAL_WORDS: &[&str] = &[
    "ethnicity",
    "ethnic",
    "race",
    "racial",
    "religion",
    "religious",
    "belief",
    "beliefs",
    "faith",
    "political",
    "politics",
    "union",
    "tradeunion",
    "genetic",
    "genetics",
    "dna",
    "genome",
    "biometric",
    "biometrics",
    "fingerprint",
    "fingerprints",
    "facial",
    "face",
    "iris",
    "retina",
    "health",
    "medical",
    "disability",
    "diagnosis",
    "sex",
    "sexual",
    "orientation",
    "philosophical",
];

/// Whole field names (after normalising) that are special-category.
const SPECIAL_NAMES: &[&str] = &["facial_image", "sex_life", "sexual_orientation", "trade_union", "political_opinion"];

/// Is this field name (any case, any of `_ - .` or camelCase) special-category?
pub fn is_special_category(field: &str) -> bool {
    let mut norm = String::with_capacity(field.len() + 4);
    let mut prev_lower = false;
    for ch in field.chars() {
        if ch.is_ascii_uppercase() && prev_lower {
            norm.push('_');
        }
        prev_lower = ch.is_ascii_lowercase();
        if ch.is_ascii_alphanumeric() {
            norm.push(ch.to_ascii_lowercase());
        } else {
            norm.push('_');
        }
    }
    // Trend fields use dotted paths: `document.type`; judge the last part and every word.
    if SPECIAL_NAMES.iter().any(|n| norm == *n || norm.ends_with(&format!("_{n}"))) {
        return true;
    }
    norm.split('_').filter(|w| !w.is_empty()).any(|w| SPECIAL_WORDS.contains(&w))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn recognises_special_fields() {
        for f in [
            "ethnicity",
            "race",
            "religion",
            "biometrics",
            "fingerprint",
            "facial_image",
            "health",
            "Religion",
            "healthStatus",
            "passenger.ethnic_origin",
            "sexual_orientation",
        ] {
            assert!(is_special_category(f), "{f}");
        }
        for f in [
            "surname",
            "trace_id",
            "document.type",
            "nationality",
            "gender",
            "pnr_locator",
            "date_of_birth",
            "embarkation",
        ] {
            assert!(!is_special_category(f), "{f}");
        }
    }
}
