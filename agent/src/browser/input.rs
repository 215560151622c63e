//! Keyboard and mouse input through CDP's `Input` domain, so pages see real events: a page
//! that listens to `keydown` or checks `isTrusted` behaves as it would for a person.

use chromiumoxide::cdp::browser_protocol::input::{
    DispatchKeyEventParams, DispatchKeyEventType, InsertTextParams,
};
use chromiumoxide::layout::Point;

use super::session::cdp_error;
use super::{BrowserError, Session};

/// A named key: its DOM `key`, `code`, Windows key code and the text it types.
struct Key {
    key: &'static str,
    code: &'static str,
    key_code: i64,
    text: Option<&'static str>,
}

const KEYS: &[Key] = &[
    Key {
        key: "Enter",
        code: "Enter",
        key_code: 13,
        text: Some("\r"),
    },
    Key {
        key: "Tab",
        code: "Tab",
        key_code: 9,
        text: None,
    },
    Key {
        key: "Escape",
        code: "Escape",
        key_code: 27,
        text: None,
    },
    Key {
        key: "Backspace",
        code: "Backspace",
        key_code: 8,
        text: None,
    },
    Key {
        key: "Delete",
        code: "Delete",
        key_code: 46,
        text: None,
    },
    Key {
        key: "ArrowUp",
        code: "ArrowUp",
        key_code: 38,
        text: None,
    },
    Key {
        key: "ArrowDown",
        code: "ArrowDown",
        key_code: 40,
        text: None,
    },
    Key {
        key: "ArrowLeft",
        code: "ArrowLeft",
        key_code: 37,
        text: None,
    },
    Key {
        key: "ArrowRight",
        code: "ArrowRight",
        key_code: 39,
        text: None,
    },
    Key {
        key: "Home",
        code: "Home",
        key_code: 36,
        text: None,
    },
    Key {
        key: "End",
        code: "End",
        key_code: 35,
        text: None,
    },
    Key {
        key: "PageUp",
        code: "PageUp",
        key_code: 33,
        text: None,
    },
    Key {
        key: "PageDown",
        code: "PageDown",
        key_code: 34,
        text: None,
    },
    Key {
        key: "Space",
        code: "Space",
        key_code: 32,
        text: Some(" "),
    },
];

/// CDP modifier bits.
fn modifier(name: &str) -> Option<i64> {
    match name {
        "Alt" => Some(1),
        "Control" | "Ctrl" => Some(2),
        "Meta" => Some(4),
        "Shift" => Some(8),
        _ => None,
    }
}

impl Session {
    fn key_event(
        &self,
        kind: DispatchKeyEventType,
        key: &str,
        code: &str,
        key_code: i64,
        text: Option<&str>,
        modifiers: i64,
    ) -> Result<(), BrowserError> {
        let mut builder = DispatchKeyEventParams::builder()
            .r#type(kind)
            .key(key)
            .code(code)
            .windows_virtual_key_code(key_code)
            .native_virtual_key_code(key_code)
            .modifiers(modifiers);
        if let Some(text) = text {
            builder = builder.text(text).unmodified_text(text);
        }
        let params = builder.build().map_err(BrowserError::Cdp)?;
        self.rt
            .block_on(self.page()?.execute(params))
            .map_err(cdp_error)?;
        Ok(())
    }

    /// Presses `combo` (`Enter`, `Control+A`, `a`) in the focused element.
    pub(crate) fn press_keys(&self, combo: &str) -> Result<(), BrowserError> {
        let parts: Vec<&str> = combo.split('+').collect();
        let (last, held) = parts
            .split_last()
            .ok_or_else(|| BrowserError::Invalid(format!("`{combo}` names no key")))?;
        let mut modifiers = 0;
        for name in held {
            modifiers |= modifier(name).ok_or_else(|| {
                BrowserError::Invalid(format!(
                    "`{name}` in `{combo}` is not a modifier (Alt, Control, Meta, Shift)"
                ))
            })?;
        }
        let (key, code, key_code, text): (String, String, i64, Option<String>) =
            if let Some(known) = KEYS.iter().find(|k| k.key.eq_ignore_ascii_case(last)) {
                (
                    known.key.to_owned(),
                    known.code.to_owned(),
                    known.key_code,
                    known.text.map(str::to_owned),
                )
            } else if last.chars().count() == 1 {
                let ch = last.chars().next().unwrap_or(' ');
                let upper = ch.to_ascii_uppercase();
                let code = if ch.is_ascii_alphabetic() {
                    format!("Key{upper}")
                } else if ch.is_ascii_digit() {
                    format!("Digit{ch}")
                } else {
                    String::new()
                };
                // With Control/Alt/Meta held a letter is a shortcut, not text.
                let text = (modifiers & 0b111 == 0).then(|| ch.to_string());
                (ch.to_string(), code, i64::from(u32::from(upper)), text)
            } else {
                let names: Vec<&str> = KEYS.iter().map(|k| k.key).collect();
                return Err(BrowserError::Invalid(format!(
                    "unknown key `{last}`; use one character or one of {}",
                    names.join(", ")
                )));
            };
        let down = if text.is_some() {
            DispatchKeyEventType::KeyDown
        } else {
            DispatchKeyEventType::RawKeyDown
        };
        self.key_event(down, &key, &code, key_code, text.as_deref(), modifiers)?;
        self.key_event(
            DispatchKeyEventType::KeyUp,
            &key,
            &code,
            key_code,
            None,
            modifiers,
        )
    }

    /// Types `text` one key event per character, for pages that react to each key.
    pub(crate) fn type_characters(&self, text: &str) -> Result<(), BrowserError> {
        for ch in text.chars() {
            if ch == '\n' {
                self.press_keys("Enter")?;
                continue;
            }
            let text = ch.to_string();
            self.key_event(DispatchKeyEventType::KeyDown, &text, "", 0, Some(&text), 0)?;
            self.key_event(DispatchKeyEventType::KeyUp, &text, "", 0, None, 0)?;
        }
        Ok(())
    }

    /// Inserts `text` at the cursor as one input event (what an IME or a paste does): any
    /// script, including CJK, and far faster than a key per character.
    pub(crate) fn insert_text(&self, text: &str) -> Result<(), BrowserError> {
        self.rt
            .block_on(self.page()?.execute(InsertTextParams::new(text)))
            .map_err(cdp_error)?;
        Ok(())
    }

    pub(crate) fn mouse_click(&self, x: f64, y: f64) -> Result<(), BrowserError> {
        self.rt
            .block_on(self.page()?.click(Point { x, y }))
            .map_err(cdp_error)?;
        Ok(())
    }

    pub(crate) fn mouse_move(&self, x: f64, y: f64) -> Result<(), BrowserError> {
        self.rt
            .block_on(self.page()?.move_mouse(Point { x, y }))
            .map_err(cdp_error)?;
        Ok(())
    }
}
