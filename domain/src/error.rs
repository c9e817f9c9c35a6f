//! The one error type of the domain: a stable code plus, where it helps, the
//! field that was wrong. Messages exist in zh-CN and English so the app and
//! the server show the same words.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Every error code the product uses. Stable snake_case on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    // General (SPEC.md, top).
    Unauthenticated,
    Forbidden,
    NotFound,
    InvalidState,
    IdempotencyKeyReused,
    InvalidInput,
    QuoteChanged,
    // Identity and channel.
    EnterpriseNotVerified,
    MiniProgramLimit,
    CloudAccountNotLinked,
    PersonDetailsRequired,
    // What is bought.
    InvalidDuration,
    IntegrationRequiresProfessional,
    NoActiveEdition,
    IntegrationExceedsEdition,
    DowngradeNotAllowed,
    UpgradeTooLate,
    TermExceedsLimit,
    QuoteRequired,
    TrialAlreadyUsed,
    TrialNotFirstUse,
    // Voucher.
    VoucherExpired,
    VoucherMinSpend,
    VoucherNotApplicable,
    VoucherUsed,
    // Payment.
    BalanceNotPermitted,
    InsufficientBalance,
    // After the purchase.
    NotAMember,
    AlreadyBound,
    EnterpriseHasEdition,
    QuotaExhausted,
    ContractAlreadySigned,
    AlreadyInvoiced,
    TitleIncomplete,
    InvoiceAmountExceeded,
    CodeInvalid,
    CodeExpired,
    TooManyAttempts,
    SendTooOften,
    PhoneNotVerified,
    // Returning money (ORD-3 by an operator).
    NotRefundable,
    DeliveryInProgress,
    RefundUnderway,
    InvoiceOutstanding,
    // Enterprise verification (企业认证, VER-2).
    CreditCodeInvalid,
    VerificationPending,
    EnterpriseAlreadyVerified,
}

/// The language a message is shown in; zh-CN is the product's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl ErrorCode {
    /// Every code, in the order SPEC.md uses to choose one when several apply:
    /// identity and channel → what is bought → voucher → payment.
    pub const ALL: [ErrorCode; 47] = [
        Self::Unauthenticated,
        Self::Forbidden,
        Self::NotFound,
        Self::InvalidState,
        Self::IdempotencyKeyReused,
        Self::InvalidInput,
        Self::QuoteChanged,
        Self::EnterpriseNotVerified,
        Self::MiniProgramLimit,
        Self::CloudAccountNotLinked,
        Self::PersonDetailsRequired,
        Self::InvalidDuration,
        Self::IntegrationRequiresProfessional,
        Self::NoActiveEdition,
        Self::IntegrationExceedsEdition,
        Self::DowngradeNotAllowed,
        Self::UpgradeTooLate,
        Self::TermExceedsLimit,
        Self::QuoteRequired,
        Self::TrialAlreadyUsed,
        Self::TrialNotFirstUse,
        Self::VoucherExpired,
        Self::VoucherMinSpend,
        Self::VoucherNotApplicable,
        Self::VoucherUsed,
        Self::BalanceNotPermitted,
        Self::InsufficientBalance,
        Self::NotAMember,
        Self::AlreadyBound,
        Self::EnterpriseHasEdition,
        Self::QuotaExhausted,
        Self::ContractAlreadySigned,
        Self::AlreadyInvoiced,
        Self::TitleIncomplete,
        Self::InvoiceAmountExceeded,
        Self::CodeInvalid,
        Self::CodeExpired,
        Self::TooManyAttempts,
        Self::SendTooOften,
        Self::PhoneNotVerified,
        Self::NotRefundable,
        Self::DeliveryInProgress,
        Self::RefundUnderway,
        Self::InvoiceOutstanding,
        Self::CreditCodeInvalid,
        Self::VerificationPending,
        Self::EnterpriseAlreadyVerified,
    ];

    /// The stable wire name, e.g. `mini_program_limit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::InvalidState => "invalid_state",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::InvalidInput => "invalid_input",
            Self::QuoteChanged => "quote_changed",
            Self::EnterpriseNotVerified => "enterprise_not_verified",
            Self::MiniProgramLimit => "mini_program_limit",
            Self::CloudAccountNotLinked => "cloud_account_not_linked",
            Self::PersonDetailsRequired => "person_details_required",
            Self::InvalidDuration => "invalid_duration",
            Self::IntegrationRequiresProfessional => "integration_requires_professional",
            Self::NoActiveEdition => "no_active_edition",
            Self::IntegrationExceedsEdition => "integration_exceeds_edition",
            Self::DowngradeNotAllowed => "downgrade_not_allowed",
            Self::UpgradeTooLate => "upgrade_too_late",
            Self::TermExceedsLimit => "term_exceeds_limit",
            Self::QuoteRequired => "quote_required",
            Self::TrialAlreadyUsed => "trial_already_used",
            Self::TrialNotFirstUse => "trial_not_first_use",
            Self::VoucherExpired => "voucher_expired",
            Self::VoucherMinSpend => "voucher_min_spend",
            Self::VoucherNotApplicable => "voucher_not_applicable",
            Self::VoucherUsed => "voucher_used",
            Self::BalanceNotPermitted => "balance_not_permitted",
            Self::InsufficientBalance => "insufficient_balance",
            Self::NotAMember => "not_a_member",
            Self::AlreadyBound => "already_bound",
            Self::EnterpriseHasEdition => "enterprise_has_edition",
            Self::QuotaExhausted => "quota_exhausted",
            Self::ContractAlreadySigned => "contract_already_signed",
            Self::AlreadyInvoiced => "already_invoiced",
            Self::TitleIncomplete => "title_incomplete",
            Self::InvoiceAmountExceeded => "invoice_amount_exceeded",
            Self::CodeInvalid => "code_invalid",
            Self::CodeExpired => "code_expired",
            Self::TooManyAttempts => "too_many_attempts",
            Self::SendTooOften => "send_too_often",
            Self::PhoneNotVerified => "phone_not_verified",
            Self::NotRefundable => "not_refundable",
            Self::DeliveryInProgress => "delivery_in_progress",
            Self::RefundUnderway => "refund_underway",
            Self::InvoiceOutstanding => "invoice_outstanding",
            Self::CreditCodeInvalid => "credit_code_invalid",
            Self::VerificationPending => "verification_pending",
            Self::EnterpriseAlreadyVerified => "enterprise_already_verified",
        }
    }

    /// The message shown to a person, in the seeds' wording where they have one.
    pub fn message(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Self::Unauthenticated => ("请先登录。", "Please sign in first."),
            Self::Forbidden => ("当前身份无权进行此操作。", "Your current identity may not do this."),
            Self::NotFound => ("未找到该记录。", "Not found."),
            Self::InvalidState => ("当前状态下无法进行此操作。", "This cannot be done in the current state."),
            Self::IdempotencyKeyReused => {
                ("同一提交标识已用于不同的订单内容。", "This idempotency key was already used for a different request.")
            }
            Self::InvalidInput => ("输入内容有误。", "The input is not valid."),
            Self::QuoteChanged => {
                ("价格已变化，请确认新的金额后再提交。", "The price has changed; please confirm the new total.")
            }
            Self::EnterpriseNotVerified => {
                ("该企业尚未完成企业认证。", "This enterprise has not completed verification.")
            }
            Self::MiniProgramLimit => (
                "由于小程序微信支付限额，请前往电子签网页端购买。",
                "Because of the mini-program's WeChat Pay limit, please buy this on the web console.",
            ),
            Self::CloudAccountNotLinked => (
                "此企业未激活腾讯电子签。请登录腾讯电子签网页版，在费用管理中单击“立即购买”，验证安全手机后下单。",
                "This enterprise has not activated E-Sign. Sign in to the web console, open billing management, click Buy now and verify the security phone, then place the order.",
            ),
            Self::PersonDetailsRequired => (
                "首次购买请补充企业名称并验证手机号。",
                "For a first purchase, add the enterprise name and verify your phone number.",
            ),
            Self::InvalidDuration => ("购买时长为1-3年。", "The duration must be 1 to 3 whole years."),
            Self::IntegrationRequiresProfessional => (
                "第三方应用集成仅专业版或旗舰版可选配。",
                "Third-party integration is available with Professional or Flagship only.",
            ),
            Self::NoActiveEdition => (
                "请先购买产品版本，增值服务需在有效版本内使用。",
                "Add-ons need an active edition: buy an edition first or in the same order.",
            ),
            Self::IntegrationExceedsEdition => (
                "第三方应用集成购买时长不得超过产品版本有效期。",
                "Integration may not be bought for longer than the edition's validity.",
            ),
            Self::DowngradeNotAllowed => ("暂不支持版本降级。", "Downgrading the edition is not supported."),
            Self::UpgradeTooLate => (
                "版本剩余不足一天，无法升级，请续费后再升级。",
                "Less than a whole day is left on the edition: renew it first, then upgrade.",
            ),
            Self::TermExceedsLimit => {
                ("版本有效期最长为三年。", "The edition cannot run more than three years from today.")
            }
            Self::QuoteRequired => (
                "专属销售经理为您报价，请单击“联系购买”。",
                "A dedicated sales manager will quote for you: click Contact to buy.",
            ),
            Self::TrialAlreadyUsed => {
                ("每个企业仅可申请一次免费试用。", "An enterprise can start the free trial only once.")
            }
            Self::TrialNotFirstUse => (
                "7天免费试用仅限首次使用电子签企业版的企业。",
                "The free trial is for enterprises using the enterprise edition for the first time.",
            ),
            Self::VoucherExpired => ("代金券已过期。", "This voucher has expired."),
            Self::VoucherMinSpend => {
                ("未达到代金券的最低消费金额。", "The order does not reach this voucher's minimum spend.")
            }
            Self::VoucherNotApplicable => {
                ("代金券不适用于所选商品。", "This voucher does not apply to the chosen products.")
            }
            Self::VoucherUsed => ("代金券已被使用。", "This voucher has already been used."),
            Self::BalanceNotPermitted => (
                "仅企业法定代表人、超级管理员或有费用管理权限的员工可使用账户余额支付，请使用微信或网银支付。",
                "Only the legal representative, a super admin or staff with the billing permission may pay from the account balance; please use WeChat Pay or online banking.",
            ),
            Self::InsufficientBalance => ("账户余额不足。", "The account balance is not enough."),
            Self::NotAMember => ("您尚未加入该企业。", "You have not joined this enterprise."),
            Self::AlreadyBound => ("该订单已绑定企业。", "This order is already bound to an enterprise."),
            Self::EnterpriseHasEdition => {
                ("该企业已有生效中的版本。", "This enterprise already has an active edition.")
            }
            Self::QuotaExhausted => ("合同份额不足，请增购合同加量包。", "No contracts left: buy a contract pack."),
            Self::ContractAlreadySigned => ("已签署完成的合同无法撤回。", "A completed contract cannot be withdrawn."),
            Self::AlreadyInvoiced => ("该订单已开票。", "This order has already been invoiced."),
            Self::TitleIncomplete => (
                "开具增值税专用发票需填写地址、电话、开户银行及银行账号。",
                "A special VAT invoice needs the address, phone, bank and account on its title.",
            ),
            Self::InvoiceAmountExceeded => {
                ("开票金额不能超过实际支付金额。", "An invoice cannot be for more than was paid.")
            }
            Self::CodeInvalid => ("验证码错误。", "The verification code is wrong."),
            Self::CodeExpired => ("验证码已过期，请重新获取。", "The code has expired; request a new one."),
            Self::TooManyAttempts => ("尝试次数过多，请重新获取验证码。", "Too many attempts; request a new code."),
            Self::SendTooOften => {
                ("发送过于频繁，请一分钟后再试。", "Codes are sent at most once a minute; try again shortly.")
            }
            Self::PhoneNotVerified => ("请先完成手机验证。", "Verify the phone with a code first."),
            Self::NotRefundable => {
                ("该款项不是待退款项，无法退款。", "This payment is not money to return, so it cannot be refunded.")
            }
            Self::DeliveryInProgress => {
                ("该订单正在重新发货，请等待结果。", "This order is being delivered again; wait for the result.")
            }
            Self::RefundUnderway => {
                ("该款项已在退款中或已退款。", "This payment is being refunded or has been refunded.")
            }
            Self::InvoiceOutstanding => (
                "该订单已开具发票，请先红冲发票再退款。",
                "An invoice stands on this order: reverse it with a red invoice before refunding.",
            ),
            Self::CreditCodeInvalid => (
                "统一社会信用代码有误，请核对营业执照上的18位代码。",
                "The unified social credit code is not valid: check the 18 characters on the business licence.",
            ),
            Self::VerificationPending => (
                "该企业的认证申请正在审核中，请等待审核结果。",
                "A verification request for this enterprise is under review.",
            ),
            Self::EnterpriseAlreadyVerified => ("该企业已完成企业认证。", "This enterprise is already verified."),
        };
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal: the code, and the input field it concerns when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DomainError {
    pub code: ErrorCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl DomainError {
    /// An error with its code only.
    pub fn new(code: ErrorCode) -> Self {
        Self { code, field: None }
    }

    /// `invalid_input` naming the field that was wrong.
    pub fn invalid(field: &str) -> Self {
        Self::with_field(ErrorCode::InvalidInput, field)
    }

    /// An error with its code and the field it concerns.
    pub fn with_field(code: ErrorCode, field: &str) -> Self {
        Self { code, field: Some(field.to_owned()) }
    }

    /// What a person reads: the code's message, or for an input the domain
    /// can name, what to do about it; never a field's or a code's wire name
    /// (a form shows the field by placing the message under it).
    pub fn text(&self, lang: Lang) -> String {
        let (zh, en) = match (self.code, self.field.as_deref()) {
            (ErrorCode::InvalidInput, Some("selection")) => {
                ("请选择产品版本或增值服务。", "Choose an edition or an add-on service.")
            }
            (ErrorCode::InvalidInput, Some("code")) => ("请输入验证码。", "Enter the verification code."),
            (ErrorCode::InvalidInput, Some("phone")) => {
                ("请输入11位中国大陆手机号码。", "Enter an 11-digit mainland China mobile number.")
            }
            _ => return self.code.message(lang).to_owned(),
        };
        match lang {
            Lang::Zh => zh.to_owned(),
            Lang::En => en.to_owned(),
        }
    }

    /// The message in `lang`, naming the field when there is one (for logs
    /// and the API's `message`; people read [`DomainError::text`]).
    pub fn message(&self, lang: Lang) -> String {
        match (&self.field, lang) {
            (Some(field), Lang::Zh) => format!("{}（{field}）", self.code.message(lang)),
            (Some(field), Lang::En) => format!("{} ({field})", self.code.message(lang)),
            (None, _) => self.code.message(lang).to_owned(),
        }
    }
}

impl From<ErrorCode> for DomainError {
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for DomainError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_reads_no_wire_names_and_an_empty_code_is_its_own_message() {
        let wrong = DomainError::with_field(ErrorCode::CodeInvalid, "code");
        assert_eq!(wrong.text(Lang::Zh), "验证码错误。");
        let empty = DomainError::invalid("code");
        assert_eq!(empty.text(Lang::Zh), "请输入验证码。");
        for error in [wrong, empty, DomainError::invalid("selection"), DomainError::invalid("years")] {
            for lang in [Lang::Zh, Lang::En] {
                let text = error.text(lang);
                assert!(!text.contains('(') && !text.contains('（'), "no suffix: {text}");
                assert!(!text.contains(error.code.as_str()), "no code: {text}");
            }
        }
    }

    #[test]
    fn every_code_is_listed_once_with_a_snake_case_name_and_two_messages() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code), "{code} listed twice");
            let wire = serde_json::to_string(&code).expect("serialises");
            assert_eq!(wire, format!("\"{}\"", code.as_str()), "serde and as_str agree for {code}");
            assert!(code.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            assert!(!code.message(Lang::Zh).is_empty() && !code.message(Lang::En).is_empty());
        }
    }

    #[test]
    fn all_lists_the_codes_in_the_order_refusals_are_sorted_by() {
        assert!(ErrorCode::ALL.windows(2).all(|w| w[0] < w[1]), "ALL follows the enum's order");
        let position = |code| ErrorCode::ALL.iter().position(|&c| c == code);
        let next_to = |a, b| position(a).zip(position(b)).is_some_and(|(a, b)| a + 1 == b);
        assert!(next_to(ErrorCode::TrialAlreadyUsed, ErrorCode::TrialNotFirstUse), "TRI-1's two codes side by side");
        assert!(next_to(ErrorCode::DowngradeNotAllowed, ErrorCode::UpgradeTooLate), "among what is bought");
    }

    #[test]
    fn ch_3_refusal_names_the_remedy_in_both_languages() {
        let zh = ErrorCode::CloudAccountNotLinked.message(Lang::Zh);
        assert!(zh.contains("此企业未激活腾讯电子签") && zh.contains("安全手机"));
        let en = ErrorCode::CloudAccountNotLinked.message(Lang::En);
        assert!(en.contains("billing management") && en.contains("security phone"));
    }
}
