//! Writes the input of `scripts/onboard_customers.rhai`: `samples/customers.xlsx`, 54
//! customers for the sample back office, and `samples/customers/id-sample.pdf`, the ID
//! document every fifth customer uploads. Four rows are bad on purpose — the app's own
//! validation refuses them — and are listed in `BAD_ROWS`, which the end-to-end test checks the
//! bot reports as business exceptions.
//!
//! `cargo run -p flowbot-agent --example customer_samples`

use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

const FIRST: &[&str] = &[
    "Anna", "Luca", "Mia", "Noah", "Léa", "Jonas", "Sofia", "Elias", "Yuki", "Wei", "Zoë", "Matteo",
];
const LAST: &[&str] = &[
    "Müller", "Rossi", "Meier", "Keller", "Huber", "Tanaka", "Zhang", "Favre", "Weber", "Schmid",
    "Dubois", "Bianchi",
];
/// City, postcode, country.
const PLACES: &[(&str, &str, &str)] = &[
    ("Zürich", "8001", "CH"),
    ("Genève", "1201", "CH"),
    ("Berlin", "10115", "DE"),
    ("Lyon", "69002", "FR"),
    ("Milano", "20121", "IT"),
    ("Wien", "1010", "AT"),
    ("London", "EC1A 1BB", "GB"),
    ("北京", "100000", "CN"),
    ("東京", "1000001", "JP"),
];
const NATIONALITIES: &[&str] = &["CH", "DE", "FR", "IT", "AT", "GB", "US", "CN", "JP"];
const ID_TYPES: &[&str] = &["passport", "id_card", "driving_licence"];
const RISKS: &[&str] = &["low", "medium", "high"];

/// Row number (1-based, as in the sheet after the header) and why the app refuses it.
const BAD_ROWS: &[(usize, &str)] = &[
    (13, "Email must be an address like name@example.com"),
    (27, "Customers must be at least 18 years old"),
    (41, "Company name is required for business customers"),
    (48, "Phone must have 6 to 20 digits"),
];
const ROWS: usize = 54;

const HEADERS: &[&str] = &[
    "ref",
    "first_name",
    "last_name",
    "email",
    "phone",
    "date_of_birth",
    "nationality",
    "customer_type",
    "company_name",
    "street",
    "city",
    "postcode",
    "country",
    "id_type",
    "id_number",
    "annual_income",
    "risk",
    "marketing_opt_in",
    "id_document",
];

fn write_customers(path: &Path) -> Result<(), XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (column, header) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, *header, &bold)?;
    }
    for n in 1..=ROWS {
        let row = n as u32;
        let first = FIRST[n % FIRST.len()];
        let last = LAST[(n * 7) % LAST.len()];
        let (city, postcode, country) = PLACES[(n * 5) % PLACES.len()];
        let business = n % 6 == 0 || n == 41;
        let ascii = |text: &str| -> String {
            text.chars()
                .map(|c| match c {
                    'ü' => 'u',
                    'é' => 'e',
                    'ë' => 'e',
                    other => other,
                })
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_lowercase()
        };
        let mut email = format!("{}.{}{n}@example.com", ascii(first), ascii(last));
        let mut phone = format!("+41 44 {:03} {:02} {:02}", 100 + n, n % 100, (n * 3) % 100);
        let mut born = ExcelDateTime::from_ymd(
            1950 + ((n * 3) % 50) as u16,
            1 + (n % 12) as u8,
            1 + ((n * 5) % 28) as u8,
        )?;
        let mut company = if business {
            format!("{last} Trading AG")
        } else {
            String::new()
        };
        match n {
            13 => email = email.replace('@', "."),
            27 => born = ExcelDateTime::from_ymd(2012, 6, 1)?,
            41 => company = String::new(),
            48 => phone = "12".to_owned(),
            _ => {}
        }
        let values: [String; 19] = [
            format!("C-{n:04}"),
            first.to_owned(),
            last.to_owned(),
            email,
            phone,
            String::new(),
            NATIONALITIES[(n * 2) % NATIONALITIES.len()].to_owned(),
            if business { "business" } else { "individual" }.to_owned(),
            company,
            format!(
                "{} {}",
                ["Bahnhofstrasse", "Hauptweg", "Rue du Lac", "Via Roma"][n % 4],
                n
            ),
            city.to_owned(),
            postcode.to_owned(),
            country.to_owned(),
            ID_TYPES[n % ID_TYPES.len()].to_owned(),
            format!("X{:07}", 1_000_000 + n * 7919),
            String::new(),
            RISKS[(n / 3) % RISKS.len()].to_owned(),
            String::new(),
            if n % 5 == 0 {
                "samples/customers/id-sample.pdf".to_owned()
            } else {
                String::new()
            },
        ];
        for (column, value) in values.iter().enumerate() {
            match HEADERS[column] {
                "date_of_birth" => {
                    sheet.write_datetime_with_format(row, column as u16, &born, &date)?;
                }
                "annual_income" => {
                    sheet.write_number(row, column as u16, (30_000 + n * 1_750) as f64)?;
                }
                "marketing_opt_in" => {
                    sheet.write_boolean(row, column as u16, n % 3 == 0)?;
                }
                _ if value.is_empty() => {}
                _ => {
                    sheet.write_string(row, column as u16, value)?;
                }
            }
        }
    }
    sheet.autofit();
    workbook.save(path)
}

/// A minimal valid one-page PDF (the app checks the `%PDF` signature).
const PDF: &str = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples");
    std::fs::create_dir_all(samples.join("customers"))?;
    write_customers(&samples.join("customers.xlsx"))?;
    std::fs::write(samples.join("customers/id-sample.pdf"), PDF)?;
    println!(
        "wrote {} rows ({} bad) to {}",
        ROWS,
        BAD_ROWS.len(),
        samples.join("customers.xlsx").display()
    );
    Ok(())
}
