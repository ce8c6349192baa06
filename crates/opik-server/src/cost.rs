//! Built-in LLM price table: estimates a span's cost from its `model` and `usage` when the
//! client sent no `total_estimated_cost` (the Python SDK only sends one when the user passes
//! `total_cost=`). Opik does the same server-side from its own model price file.
//!
//! Prices are USD per 1M input / output tokens, standard (non-batch, non-cached, base context
//! tier) list prices from the vendors' public pricing pages (openai.com/api/pricing,
//! anthropic.com/pricing, ai.google.dev/gemini-api/docs/pricing, mistral.ai/pricing) as of
//! 2025-11. Models are matched after lower-casing, dropping a `provider/` prefix, by the
//! longest table key that prefixes the name (so dated variants such as
//! `gpt-4o-2024-08-06` or `claude-3-5-sonnet-20241022` match their family).

use std::collections::BTreeMap;

/// `(model prefix, input $/1M tokens, output $/1M tokens)`.
pub const PRICES: &[(&str, f64, f64)] = &[
    // OpenAI
    ("gpt-5", 1.25, 10.0),
    ("gpt-5-mini", 0.25, 2.0),
    ("gpt-5-nano", 0.05, 0.40),
    ("gpt-4.1", 2.0, 8.0),
    ("gpt-4.1-mini", 0.40, 1.60),
    ("gpt-4.1-nano", 0.10, 0.40),
    ("gpt-4o", 2.50, 10.0),
    ("gpt-4o-mini", 0.15, 0.60),
    ("gpt-4-turbo", 10.0, 30.0),
    ("gpt-4", 30.0, 60.0),
    ("gpt-3.5-turbo", 0.50, 1.50),
    ("o1", 15.0, 60.0),
    ("o1-mini", 1.10, 4.40),
    ("o3", 2.0, 8.0),
    ("o3-mini", 1.10, 4.40),
    ("o4-mini", 1.10, 4.40),
    // Anthropic
    ("claude-opus-4-5", 5.0, 25.0),
    ("claude-opus-4-1", 15.0, 75.0),
    ("claude-opus-4", 15.0, 75.0),
    ("claude-sonnet-4-5", 3.0, 15.0),
    ("claude-sonnet-4", 3.0, 15.0),
    ("claude-haiku-4-5", 1.0, 5.0),
    ("claude-3-7-sonnet", 3.0, 15.0),
    ("claude-3-5-sonnet", 3.0, 15.0),
    ("claude-3-5-haiku", 0.80, 4.0),
    ("claude-3-opus", 15.0, 75.0),
    ("claude-3-sonnet", 3.0, 15.0),
    ("claude-3-haiku", 0.25, 1.25),
    // Google
    ("gemini-2.5-pro", 1.25, 10.0),
    ("gemini-2.5-flash", 0.30, 2.50),
    ("gemini-2.5-flash-lite", 0.10, 0.40),
    ("gemini-2.0-flash", 0.10, 0.40),
    ("gemini-2.0-flash-lite", 0.075, 0.30),
    ("gemini-1.5-pro", 1.25, 5.0),
    ("gemini-1.5-flash", 0.075, 0.30),
    // Mistral
    ("mistral-large", 2.0, 6.0),
    ("mistral-medium", 0.40, 2.0),
    ("mistral-small", 0.10, 0.30),
    ("magistral-medium", 2.0, 5.0),
    ("magistral-small", 0.50, 1.50),
    ("codestral", 0.30, 0.90),
    ("pixtral-large", 2.0, 6.0),
    ("ministral-8b", 0.10, 0.10),
    ("ministral-3b", 0.04, 0.04),
    ("open-mistral-nemo", 0.15, 0.15),
];

/// `(input, output)` price per 1M tokens for a model name, if known.
pub fn price(model: &str) -> Option<(f64, f64)> {
    let m = model.trim().to_ascii_lowercase();
    let m = m.rsplit('/').next().unwrap_or(&m);
    PRICES
        .iter()
        .filter(|(k, _, _)| {
            m.starts_with(k)
                && m[k.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| c == '-' || c == '@' || c == ':' || c == '.')
        })
        .max_by_key(|(k, _, _)| k.len())
        .map(|(_, i, o)| (*i, *o))
}

/// Estimated cost in USD of a call to `model` with this usage map (OpenAI-style
/// `prompt_tokens`/`completion_tokens`, or Anthropic-style `input_tokens`/`output_tokens`).
/// `None` when the model is unknown or the usage has no token counts.
pub fn estimate(model: &str, usage: &BTreeMap<String, i64>) -> Option<f64> {
    let (pin, pout) = price(model)?;
    let get = |a: &str, b: &str| usage.get(a).or_else(|| usage.get(b)).copied();
    let input = get("prompt_tokens", "input_tokens");
    let output = get("completion_tokens", "output_tokens");
    if input.is_none() && output.is_none() {
        return None;
    }
    let cost = input.unwrap_or(0).max(0) as f64 * pin / 1e6
        + output.unwrap_or(0).max(0) as f64 * pout / 1e6;
    Some(cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(p: i64, c: i64) -> BTreeMap<String, i64> {
        BTreeMap::from([
            ("prompt_tokens".to_string(), p),
            ("completion_tokens".to_string(), c),
        ])
    }

    #[test]
    fn matches_families() {
        assert_eq!(price("gpt-4o-mini"), Some((0.15, 0.60)));
        assert_eq!(price("gpt-4o-mini-2024-07-18"), Some((0.15, 0.60)));
        assert_eq!(price("gpt-4o-2024-08-06"), Some((2.50, 10.0)));
        assert_eq!(price("openai/gpt-4.1-nano"), Some((0.10, 0.40)));
        assert_eq!(price("claude-3-5-sonnet-20241022"), Some((3.0, 15.0)));
        assert_eq!(price("claude-sonnet-4-5-20250929"), Some((3.0, 15.0)));
        assert_eq!(price("Gemini-2.5-Flash"), Some((0.30, 2.50)));
        assert_eq!(price("mistral-large-latest"), Some((2.0, 6.0)));
        assert_eq!(price("o1-mini"), Some((1.10, 4.40)));
        assert_eq!(price("gpt-4o1x"), None);
        assert_eq!(price("llama-3"), None);
    }

    #[test]
    fn estimates() {
        let c = estimate("gpt-4o-mini", &usage(1_000_000, 1_000_000)).unwrap();
        assert!((c - 0.75).abs() < 1e-9);
        let c = estimate("gpt-4o-mini", &usage(12, 5)).unwrap();
        assert!((c - (12.0 * 0.15 + 5.0 * 0.60) / 1e6).abs() < 1e-15);
        let anth = BTreeMap::from([
            ("input_tokens".to_string(), 10),
            ("output_tokens".to_string(), 4),
        ]);
        assert!(estimate("claude-3-haiku", &anth).is_some());
        assert_eq!(estimate("gpt-4o", &BTreeMap::new()), None);
        assert_eq!(estimate("unknown", &usage(1, 1)), None);
    }
}
