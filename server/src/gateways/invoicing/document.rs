//! The invoice document (PDF), laid out like a 数电票: title, number and
//! date, buyer and seller blocks, the line table with each line's tax,
//! totals in figures and in capitals (大写), remarks. The CJK font is read
//! when documents are set and let go after; each document embeds only the
//! glyphs it uses (krilla subsets the face, also out of a TTC collection).

use domain::invoice::{InvoiceAmounts, InvoiceKind, Title, capital_amount};
use domain::quote::Unit;
use domain::{DomainError, Money};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, Weak};

/// Why a document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("cannot read the invoice font {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the invoice font {path} has no face {index}")]
    Face { path: String, index: u32 },
    #[error("the amount cannot be written: {0}")]
    Amount(#[from] DomainError),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// The seller's block (销售方信息), from the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seller {
    pub name: String,
    pub credit_code: String,
    /// 地址、电话.
    pub address: String,
    /// 开户银行及账号.
    pub bank: String,
}

/// What one document shows.
#[derive(Debug, Clone)]
pub struct Sheet<'a> {
    pub number: &'a str,
    /// 开票日期 as printed, e.g. 2026年12月06日.
    pub date: &'a str,
    pub title: &'a Title,
    pub seller: &'a Seller,
    pub amounts: &'a InvoiceAmounts,
    /// 备注.
    pub remarks: &'a str,
}

/// Debian's `fonts-noto-cjk` collection and its Simplified Chinese face:
/// the font invoices are set in unless configured otherwise.
pub const DEFAULT_FONT: (&str, u32) = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2);

/// The font file, checked when the server starts and read again when
/// documents are set: a CJK collection is about 20 MB, more than a third of
/// the server's memory budget, kept for the few documents a server sets.
/// Documents set at the same time share one copy.
#[derive(Debug)]
pub struct FontFile {
    path: PathBuf,
    index: u32,
    shared: Mutex<Weak<Vec<u8>>>,
}

impl FontFile {
    /// The font file at `path` (a TTF, OTF or TTC collection), once it is
    /// known to be readable and to have face `index`.
    pub fn open(path: &Path, index: u32) -> Result<FontFile, DocumentError> {
        let file = FontFile { path: path.to_owned(), index, shared: Mutex::default() };
        file.typesetter()?;
        Ok(file)
    }

    /// A typesetter with the font, read unless a document being set holds it.
    pub fn typesetter(&self) -> Result<Typesetter, DocumentError> {
        let shown = || self.path.display().to_string();
        let bytes = {
            let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
            match shared.upgrade() {
                Some(bytes) => bytes,
                None => {
                    let read =
                        std::fs::read(&self.path).map_err(|source| DocumentError::Read { path: shown(), source })?;
                    let bytes = Arc::new(read);
                    *shared = Arc::downgrade(&bytes);
                    bytes
                }
            }
        };
        let font =
            Font::new(bytes.into(), self.index).ok_or(DocumentError::Face { path: shown(), index: self.index })?;
        Ok(Typesetter { font })
    }
}

/// Sets documents with one font.
pub struct Typesetter {
    font: Font,
}

impl std::fmt::Debug for Typesetter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Typesetter")
    }
}

const PAGE_W: f32 = 700.0;
const PAGE_H: f32 = 470.0;
const LEFT: f32 = 30.0;
const RIGHT: f32 = PAGE_W - 30.0;
/// The brown of a 数电票's frame and headings.
fn ink() -> rgb::Color {
    rgb::Color::new(0x8a, 0x4b, 0x26)
}

fn text_colour() -> rgb::Color {
    rgb::Color::new(0x20, 0x20, 0x20)
}

/// An estimate of how wide `text` is set: CJK takes a full em, the rest about half.
fn width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| if c.is_ascii() { 0.55 } else { 1.0 }).sum::<f32>() * size
}

fn money(m: Money) -> String {
    format!("{m}")
}

fn unit_zh(unit: Unit) -> &'static str {
    match unit {
        Unit::Year => "年",
        Unit::Day => "天",
        Unit::Pack => "个",
        Unit::SalesQuote => "项",
    }
}

impl Typesetter {
    fn text(&self, surface: &mut Surface<'_>, x: f32, y: f32, size: f32, text: &str) {
        surface.draw_text(Point::from_xy(x, y), self.font.clone(), size, text, false, TextDirection::Auto);
    }

    fn right(&self, surface: &mut Surface<'_>, x: f32, y: f32, size: f32, text: &str) {
        self.text(surface, x - width(text, size), y, size, text);
    }

    /// The document as PDF bytes.
    pub fn render(&self, sheet: &Sheet<'_>) -> Result<Vec<u8>, DocumentError> {
        let capital = capital_amount(sheet.amounts.total)?;
        let mut document = Document::new();
        document.set_metadata(Metadata::new().title(format!("{} {}", sheet.title.kind.label_zh(), sheet.number)));
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| DocumentError::Pdf("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut s = page.surface();
        s.set_fill(Some(Fill { paint: ink().into(), ..Fill::default() }));
        let heading = sheet.title.kind.label_zh();
        self.text(&mut s, (PAGE_W - width(heading, 20.0)) / 2.0, 48.0, 20.0, heading);
        self.lines(&mut s, &[((PAGE_W - 260.0) / 2.0, 56.0, (PAGE_W + 260.0) / 2.0, 56.0)]);
        self.text(&mut s, 480.0, 30.0, 10.0, &format!("发票号码：{}", sheet.number));
        self.text(&mut s, 480.0, 46.0, 10.0, &format!("开票日期：{}", sheet.date));

        // The frame: buyer | seller, the lines, the totals, remarks.
        let (top, parties, table_bottom, total_row, bottom) = (70.0, 150.0, 330.0, 360.0, 430.0);
        let mid = PAGE_W / 2.0;
        self.lines(
            &mut s,
            &[
                (LEFT, top, RIGHT, top),
                (LEFT, bottom, RIGHT, bottom),
                (LEFT, top, LEFT, bottom),
                (RIGHT, top, RIGHT, bottom),
                (mid, top, mid, parties),
                (LEFT, parties, RIGHT, parties),
                (LEFT, table_bottom, RIGHT, table_bottom),
                (LEFT, total_row, RIGHT, total_row),
            ],
        );
        s.set_fill(Some(Fill { paint: text_colour().into(), ..Fill::default() }));
        let buyer = sheet.title;
        self.text(&mut s, LEFT + 8.0, top + 18.0, 10.0, "购买方信息");
        self.text(&mut s, LEFT + 8.0, top + 40.0, 10.0, &format!("名称：{}", buyer.name));
        let code = buyer.credit_code.as_ref().map(|c| c.as_str().to_owned()).unwrap_or_default();
        self.text(&mut s, LEFT + 8.0, top + 60.0, 10.0, &format!("统一社会信用代码/纳税人识别号：{code}"));
        self.text(&mut s, mid + 8.0, top + 18.0, 10.0, "销售方信息");
        let seller = sheet.seller;
        self.text(&mut s, mid + 8.0, top + 34.0, 10.0, &format!("名称：{}", seller.name));
        self.text(
            &mut s,
            mid + 8.0,
            top + 50.0,
            10.0,
            &format!("统一社会信用代码/纳税人识别号：{}", seller.credit_code),
        );
        self.text(&mut s, mid + 8.0, top + 64.0, 8.0, &format!("地址、电话：{}", seller.address));
        self.text(&mut s, mid + 8.0, top + 76.0, 8.0, &format!("开户银行及账号：{}", seller.bank));

        // Columns: name, unit, quantity, amount, rate, tax.
        let columns = [LEFT + 8.0, 300.0, 350.0, 480.0, 540.0, RIGHT - 8.0];
        let header = parties + 18.0;
        self.text(&mut s, columns[0], header, 10.0, "项目名称");
        self.text(&mut s, columns[1], header, 10.0, "单位");
        self.right(&mut s, columns[2] + 30.0, header, 10.0, "数量");
        self.right(&mut s, columns[3], header, 10.0, "金额");
        self.text(&mut s, columns[4] - 10.0, header, 10.0, "税率/征收率");
        self.right(&mut s, columns[5], header, 10.0, "税额");
        for (i, line) in sheet.amounts.lines.iter().enumerate() {
            let y = header + 22.0 + 18.0 * i as f32;
            self.text(&mut s, columns[0], y, 10.0, &line.name);
            self.text(&mut s, columns[1], y, 10.0, unit_zh(line.unit));
            self.right(&mut s, columns[2] + 30.0, y, 10.0, &line.quantity.to_string());
            self.right(&mut s, columns[3], y, 10.0, &money(line.amount));
            self.text(&mut s, columns[4], y, 10.0, &line.rate_label());
            self.right(&mut s, columns[5], y, 10.0, &money(line.tax));
        }
        self.text(&mut s, columns[0], table_bottom - 8.0, 10.0, "合计");
        self.right(&mut s, columns[3], table_bottom - 8.0, 10.0, &format!("¥{}", money(sheet.amounts.amount)));
        self.right(&mut s, columns[5], table_bottom - 8.0, 10.0, &format!("¥{}", money(sheet.amounts.tax)));
        self.text(&mut s, columns[0], total_row - 10.0, 10.0, &format!("价税合计（大写）  ⊗{capital}"));
        self.text(&mut s, 470.0, total_row - 10.0, 10.0, &format!("（小写）¥{}", money(sheet.amounts.total)));
        self.text(&mut s, columns[0], total_row + 18.0, 10.0, "备注");
        for (i, remark) in sheet.remarks.lines().take(4).enumerate() {
            self.text(&mut s, columns[0] + 40.0, total_row + 18.0 + 14.0 * i as f32, 9.0, remark);
        }
        self.text(&mut s, LEFT, bottom + 22.0, 10.0, "开票人：电子签开票系统");
        s.finish();
        page.finish();
        document.finish().map_err(|e| DocumentError::Pdf(format!("{e:?}")))
    }

    fn lines(&self, surface: &mut Surface<'_>, segments: &[(f32, f32, f32, f32)]) {
        let mut path = PathBuilder::new();
        for &(x1, y1, x2, y2) in segments {
            path.move_to(x1, y1);
            path.line_to(x2, y2);
        }
        if let Some(path) = path.finish() {
            surface.set_stroke(Some(Stroke { paint: ink().into(), width: 0.8, ..Stroke::default() }));
            surface.draw_path(&path);
            surface.set_stroke(None);
        }
    }
}

/// 备注: the orders invoiced and, on a 专票, the buyer's address, phone,
/// bank and account (where the platforms print them).
pub fn remarks(title: &Title, orders: &[i64]) -> String {
    let ids: Vec<String> = orders.iter().map(i64::to_string).collect();
    let mut text = format!("订单号：{}", ids.join("、"));
    if title.kind == InvoiceKind::Special {
        let field = |v: &Option<String>| v.clone().unwrap_or_default();
        text.push_str(&format!("\n购方地址、电话：{} {}", field(&title.address), field(&title.phone)));
        text.push_str(&format!("\n购方开户银行及账号：{} {}", field(&title.bank), field(&title.bank_account)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inv_1_the_font_is_shared_while_documents_are_set_and_let_go_after() {
        let (path, index) = DEFAULT_FONT;
        let file = FontFile::open(Path::new(path), index).expect("the default font");
        let dead = || file.shared.lock().unwrap_or_else(PoisonError::into_inner).upgrade().is_none();
        assert!(dead(), "checking the font at start keeps nothing");
        let held = || file.shared.lock().unwrap_or_else(PoisonError::into_inner).upgrade().expect("held while in use");
        let first = file.typesetter().expect("a typesetter");
        let read_for_first = held();
        let second = file.typesetter().expect("another");
        assert!(Arc::ptr_eq(&read_for_first, &held()), "the second typesetter shares the first one's copy");
        drop((first, second, read_for_first));
        assert!(dead(), "let go once no document is being set");
    }

    #[test]
    fn inv_1_a_missing_font_is_told_at_start() {
        let missing = FontFile::open(Path::new("/nowhere/font.ttc"), 0);
        assert!(matches!(missing, Err(DocumentError::Read { .. })), "{missing:?}");
    }
}
