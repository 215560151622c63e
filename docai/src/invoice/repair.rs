//! Repairs by arithmetic, before the cross-checks: an invoice states its amounts several times
//! over (items, net, tax, total), so a single misread figure can be put right by the others.
//!
//! - A currency sign OCR took for a digit (`£533.00` read `1533.00`, `¥7,391.25` read
//!   `17,391.25`): each total may lose its first digit, and the net may be the items' sum; the
//!   reading with the fewest changes for which net + tax = total wins.
//! - An item whose quantity × unit price ≠ amount: when the items then add up to the net, the
//!   amount is right and the quantity (or unit price) is taken from it; when putting
//!   quantity × unit price in place of the amount makes them add up, the amount was misread.
//!
//! A repaired value gets confidence [`REPAIRED`]: it rests on two equations, not on the glyphs.

use super::{Field, Invoice};
use crate::extract::Amount;

/// The confidence of a value the arithmetic put right.
pub const REPAIRED: f32 = 0.85;

/// `cents` without its leading digit, when something is left of the units.
fn without_first_digit(cents: i64) -> Option<i64> {
    let text = cents.to_string();
    (text.len() > 3).then(|| text[1..].parse().ok()).flatten()
}

fn candidates(field: &Option<Field<Amount>>) -> Vec<(Option<i64>, u8)> {
    match field {
        Some(field) => {
            let mut out = vec![(Some(field.value.cents), 0)];
            if let Some(shorter) = without_first_digit(field.value.cents) {
                out.push((Some(shorter), 1));
            }
            out
        }
        None => vec![(None, 0)],
    }
}

fn set(field: &mut Option<Field<Amount>>, cents: i64, like: Option<&Field<Amount>>) {
    match field {
        Some(field) if field.value.cents == cents => {}
        Some(field) => {
            field.value = Amount::new(cents, field.value.currency);
            field.confidence = REPAIRED;
        }
        None => {
            if let Some(like) = like {
                *field = Some(Field {
                    value: Amount::new(cents, like.value.currency),
                    confidence: REPAIRED,
                    page: like.page,
                    bbox: like.bbox,
                });
            }
        }
    }
}

fn totals(invoice: &mut Invoice) {
    let items_sum: Option<i64> = (!invoice.line_items.is_empty()).then(|| {
        invoice
            .line_items
            .iter()
            .map(|item| item.amount_cents)
            .sum()
    });
    let mut nets = candidates(&invoice.net);
    if let Some(sum) = items_sum
        && !nets.iter().any(|(net, _)| *net == Some(sum))
    {
        nets.push((Some(sum), 1));
    }
    let (taxes, totals) = (candidates(&invoice.tax), candidates(&invoice.total));
    let mut best: Option<(u8, i64, i64, i64)> = None;
    for &(net, a) in &nets {
        for &(tax, b) in &taxes {
            for &(total, c) in &totals {
                let (Some(net), Some(total)) = (net, total) else {
                    continue;
                };
                let tax_cents = tax.unwrap_or(0);
                if net + tax_cents == total && best.is_none_or(|(changes, ..)| a + b + c < changes)
                {
                    best = Some((a + b + c, net, tax_cents, total));
                }
            }
        }
    }
    if let Some((changes, net, tax, total)) = best
        && changes > 0
    {
        let like = invoice.total.clone();
        set(&mut invoice.net, net, like.as_ref());
        if invoice.tax.is_some() {
            set(&mut invoice.tax, tax, None);
        }
        set(&mut invoice.total, total, None);
    }
}

fn items(invoice: &mut Invoice) {
    let Some(net) = invoice.net.as_ref().map(|net| net.value.cents) else {
        return;
    };
    let product = |quantity: f64, unit: i64| (quantity * unit as f64).round() as i64;
    let sum: i64 = invoice
        .line_items
        .iter()
        .map(|item| item.amount_cents)
        .sum();
    if sum != net {
        let wrong: Vec<usize> = (0..invoice.line_items.len())
            .filter(|&i| {
                let item = &invoice.line_items[i];
                product(item.quantity, item.unit_cents) != item.amount_cents
            })
            .collect();
        for index in wrong {
            let item = &mut invoice.line_items[index];
            let computed = product(item.quantity, item.unit_cents);
            if sum - item.amount_cents + computed == net {
                item.amount_cents = computed;
                item.confidence = REPAIRED;
                return;
            }
        }
        return;
    }
    for item in &mut invoice.line_items {
        if product(item.quantity, item.unit_cents) == item.amount_cents {
            continue;
        }
        if item.unit_cents > 0 && item.amount_cents % item.unit_cents == 0 {
            item.quantity = (item.amount_cents / item.unit_cents) as f64;
            item.confidence = REPAIRED;
        } else if item.quantity >= 1.0
            && item.quantity.fract() == 0.0
            && item.amount_cents % item.quantity as i64 == 0
        {
            item.unit_cents = item.amount_cents / item.quantity as i64;
            item.confidence = REPAIRED;
        }
    }
}

/// Puts right what the arithmetic can.
pub(crate) fn repair(invoice: &mut Invoice) {
    totals(invoice);
    items(invoice);
}

#[cfg(test)]
mod tests {
    use super::without_first_digit;

    #[test]
    fn a_currency_sign_read_as_a_digit_comes_off() {
        assert_eq!(without_first_digit(153_300), Some(53_300));
        assert_eq!(without_first_digit(2_502_200), Some(502_200));
        assert_eq!(without_first_digit(950), None);
    }
}
