//! Writes the inputs of `scripts/reconcile_transactions.rhai`: a ledger workbook and a bank
//! statement CSV in `samples/reconcile/`. The anomalies are planted on purpose and listed in
//! `agent/tests/sample_bots.rs`, which checks the bot finds exactly them.
//!
//! `cargo run -p flowbot-agent --example reconcile_samples`

use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

/// Ref, booking day in May 2024, counterparty, amount, currency.
const LEDGER: &[(&str, u8, &str, f64, &str)] = &[
    ("INV-1001", 2, "Acme GmbH", 1234.50, "EUR"),
    ("INV-1002", 2, "Borealis AG", 89.90, "EUR"),
    ("INV-1003", 3, "Cobalt SARL", 15000.00, "EUR"),
    ("INV-1004", 3, "Delta Ltd", 1205.00, "EUR"),
    ("INV-1005", 6, "Eiger AG", 310.25, "EUR"),
    ("INV-1006", 6, "Fjord AS", 47.00, "EUR"),
    ("INV-1007", 7, "Granit GmbH", 2999.99, "EUR"),
    ("INV-1008", 8, "Helios SpA", 640.00, "EUR"),
    ("INV-1009", 8, "Iris BV", 12.34, "EUR"),
    ("INV-1010", 9, "Jura SA", 780.00, "EUR"),
    ("INV-1011", 10, "Kestrel Ltd", 5100.00, "EUR"),
    ("INV-1012", 13, "Lumen Oy", 220.00, "EUR"),
    ("INV-1013", 13, "Merlin GmbH", 99.99, "EUR"),
    ("INV-1014", 14, "Nadir AB", 1500.00, "EUR"),
    ("INV-1015", 15, "Orion AG", 870.40, "EUR"),
    ("INV-1016", 16, "Pico SL", 65.00, "EUR"),
    ("INV-1017", 17, "Quasar Inc", 4321.00, "EUR"),
    ("INV-1018", 20, "Rigel LLC", 1000.00, "EUR"),
    ("INV-1019", 21, "Sirius KG", 333.33, "EUR"),
    ("INV-1020", 22, "Tethys NV", 18.00, "EUR"),
];

/// Value date, text, amount as the bank writes it, currency, IBAN.
const BANK: &[(&str, &str, &str, &str, &str)] = &[
    (
        "02.05.2024",
        "Payment INV-1001 Acme GmbH",
        "1.234,50",
        "EUR",
        "DE89370400440532013000",
    ),
    (
        "03.05.2024",
        "INV-1002 Borealis",
        "89,90",
        "EUR",
        "CH9300762011623852957",
    ),
    (
        "03.05.2024",
        "Cobalt SARL facture INV-1003",
        "15.000,00",
        "EUR",
        "FR1420041010050500013M02606",
    ),
    (
        "04.05.2024",
        "Delta Ltd INV-1004",
        "1.250,00",
        "EUR",
        "GB29NWBK60161331926819",
    ),
    (
        "06.05.2024",
        "INV-1005",
        "310,25",
        "EUR",
        "DE89370400440532013000",
    ),
    (
        "07.05.2024",
        "Fjord AS INV-1006",
        "47,00",
        "EUR",
        "NO9386011117947",
    ),
    (
        "14.05.2024",
        "Granit INV-1007",
        "2.999,99",
        "EUR",
        "AT611904300234573201",
    ),
    (
        "08.05.2024",
        "Helios INV-1008",
        "640,00",
        "EUR",
        "IT60X0542811101000000123456",
    ),
    (
        "09.05.2024",
        "Iris BV INV-1009",
        "12,34",
        "EUR",
        "NL91ABNA0417164300",
    ),
    (
        "10.05.2024",
        "Kestrel INV-1011",
        "5.100,00",
        "EUR",
        "GB29NWBK60161331926819",
    ),
    (
        "13.05.2024",
        "Lumen INV-1012",
        "220,00",
        "EUR",
        "FI2112345600000785",
    ),
    (
        "14.05.2024",
        "Lumen INV-1012 repeat",
        "220,00",
        "EUR",
        "FI2112345600000785",
    ),
    (
        "13.05.2024",
        "Merlin GmbH INV-1013",
        "99,99",
        "EUR",
        "DE89370400440532013000",
    ),
    (
        "15.05.2024",
        "Refund customer 443",
        "-45,10",
        "EUR",
        "DE89370400440532013000",
    ),
    (
        "14.05.2024",
        "Nadir AB INV-1014",
        "1.500,00",
        "EUR",
        "SE4550000000058398257466",
    ),
    ("16.05.2024", "Orion INV-1015", "870,40", "EUR", "DE00XX"),
    (
        "16.05.2024",
        "Pico SL INV-1016",
        "65,00",
        "EUR",
        "ES9121000418450200051332",
    ),
    (
        "17.05.2024",
        "Quasar INV-1017",
        "4.321,00",
        "EUR",
        "GB29NWBK60161331926819",
    ),
    (
        "20.05.2024",
        "Rigel INV-1018",
        "1.000,00",
        "USD",
        "GB29NWBK60161331926819",
    ),
    (
        "21.05.2024",
        "Sirius INV-1019",
        "333,33",
        "EUR",
        "DE89370400440532013000",
    ),
    (
        "22.05.2024",
        "Tethys INV-1020",
        "18,00",
        "EUR",
        "NL91ABNA0417164300",
    ),
    (
        "23.05.2024",
        "Unknown INV-2001",
        "500,00",
        "EUR",
        "DE89370400440532013000",
    ),
];

fn write_ledger(path: &Path) -> Result<(), XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Ledger")?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let money = Format::new().set_num_format("#,##0.00");
    for (col, title) in ["Ref", "Booking date", "Counterparty", "Amount", "Currency"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(0, col as u16, *title, &bold)?;
    }
    for (index, (reference, day, party, amount, currency)) in LEDGER.iter().enumerate() {
        let row = index as u32 + 1;
        sheet.write_string(row, 0, *reference)?;
        sheet.write_datetime_with_format(row, 1, ExcelDateTime::from_ymd(2024, 5, *day)?, &date)?;
        sheet.write_string(row, 2, *party)?;
        sheet.write_number_with_format(row, 3, *amount, &money)?;
        sheet.write_string(row, 4, *currency)?;
    }
    sheet.autofit();
    workbook.save(path)
}

fn write_bank(path: &Path) -> std::io::Result<()> {
    let mut text = String::from("Value date;Text;Amount;Currency;IBAN\n");
    for (date, note, amount, currency, iban) in BANK {
        text.push_str(&format!("{date};{note};{amount};{currency};{iban}\n"));
    }
    std::fs::write(path, text)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/reconcile");
    std::fs::create_dir_all(&dir)?;
    write_ledger(&dir.join("ledger.xlsx"))?;
    write_bank(&dir.join("bank_statement.csv"))?;
    println!("wrote {}", dir.display());
    Ok(())
}
