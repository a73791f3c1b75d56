// Money and number formatting against ICU 72's real output (Debian 12's libicu72, CLDR 42). The
// expected strings are byte-exact, spaces included: "\u00a0" is the NO-BREAK SPACE CLDR puts
// between a symbol and the number, "\uffe5" the FULLWIDTH YEN SIGN of CLDR's ja locale.
#include "overlays/money_format.h"

#include <gtest/gtest.h>

namespace strait::overlays {
namespace {

std::string Money(const char* amount, const char* currency, const char* locale) {
  auto s = FormatMoney(amount, currency, locale);
  EXPECT_TRUE(s.ok()) << amount << " " << currency << " " << locale << ": " << s.error().message();
  return s.ok() ? *s : "";
}

TEST(MoneyFormatTest, LocalCurrenciesAsIcuWritesThem) {
  // ja: CLDR's symbol for JPY in Japanese is U+FFE5 (fullwidth), not U+00A5 ("¥" is what zh
  // uses for CNY, below). Japanese shops write it the same way.
  EXPECT_EQ(Money("2980", "JPY", "ja-JP"), "\uffe52,980");
  // id: "Rp", a no-break space, '.' grouping; the whole amount drops IDR's ",00".
  EXPECT_EQ(Money("299000", "IDR", "id-ID"), "Rp\u00a0299.000");
  EXPECT_EQ(Money("19.99", "USD", "en-US"), "$19.99");
  EXPECT_EQ(Money("19.99", "EUR", "de-DE"), "19,99\u00a0€");
  EXPECT_EQ(Money("19.99", "EUR", "es-ES"), "19,99\u00a0€");
  EXPECT_EQ(Money("1499", "INR", "hi-IN"), "₹1,499");
  EXPECT_EQ(Money("1234567", "INR", "hi-IN"), "₹12,34,567");  // Indian lakh grouping
  EXPECT_EQ(Money("199", "CNY", "zh-CN"), "¥199");
  EXPECT_EQ(Money("39900", "KRW", "ko-KR"), "₩39,900");
  EXPECT_EQ(Money("590", "THB", "th-TH"), "฿590");
  EXPECT_EQ(Money("349", "MXN", "es-MX"), "$349");
  // ar-SA: Arabic-Indic digits, U+066B decimal mark, the symbol after a no-break space, the
  // whole wrapped in RIGHT-TO-LEFT MARKs.
  EXPECT_EQ(Money("149.5", "SAR", "ar-SA"), "\u200f١٤٩٫٥٠\u00a0ر.س.\u200f");
}

TEST(MoneyFormatTest, DecimalsFollowTheCurrencyAndWholeAmountsDropThem) {
  EXPECT_EQ(Money("20", "USD", "en-US"), "$20");
  EXPECT_EQ(Money("20.00", "USD", "en-US"), "$20");
  EXPECT_EQ(Money("19.9", "USD", "en-US"), "$19.90");
  EXPECT_EQ(Money("2980.00", "JPY", "ja-JP"), "\uffe52,980");  // zeros only: not rounding
  EXPECT_EQ(Money("0.5", "KWD", "en-US"), "KWD\u00a00.500");   // three decimals
}

TEST(MoneyFormatTest, AmountsAreDecimalsNeverDoubles) {
  // 999999999999999.99 as a double is 1e15: a double round trip would print "$1,000,...".
  EXPECT_EQ(Money("999999999999999.99", "USD", "en-US"), "$999,999,999,999,999.99");
  EXPECT_EQ(Money("0.10", "USD", "en-US"), "$0.10");
}

TEST(MoneyFormatTest, BadCurrencyIsRefused) {
  for (const char* code : {"XYZ", "usd", "US", "USDD", "", "DEM"}) {
    auto s = FormatMoney("1", code, "en-US");
    ASSERT_FALSE(s.ok()) << code;
    EXPECT_NE(s.error().message().find("ISO 4217"), std::string::npos) << s.error().message();
  }
  EXPECT_TRUE(IsIsoCurrency("IDR"));
  EXPECT_FALSE(IsIsoCurrency("DEM"));  // withdrawn in 2002
}

TEST(MoneyFormatTest, NonNumericAmountIsRefused) {
  for (const char* amount : {"abc", "", "1e3", "-5", "+5", "1,000", " 1", "1 ", "1.", ".5", "1.2.3",
                             "0x10", "NaN", "١٢"}) {
    auto s = FormatMoney(amount, "USD", "en-US");
    ASSERT_FALSE(s.ok()) << "'" << amount << "'";
    EXPECT_NE(s.error().message().find("not a decimal number"), std::string::npos)
        << s.error().message();
  }
  EXPECT_FALSE(FormatMoney("1234567890123456", "USD", "en-US").ok());  // 16 integer digits
}

TEST(MoneyFormatTest, MoreDecimalsThanTheCurrencyHasAreRefusedNotRounded) {
  auto s = FormatMoney("2980.5", "JPY", "ja-JP");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "\"2980.5\" has more decimals than JPY has (0)");
  EXPECT_FALSE(FormatMoney("19.999", "USD", "en-US").ok());
}

TEST(MoneyFormatTest, BadLocaleIsRefused) {
  EXPECT_FALSE(FormatMoney("1", "USD", "").ok());
  EXPECT_FALSE(FormatMoney("1", "USD", "en_US!").ok());
  EXPECT_FALSE(CheckLocale("--").ok());
  EXPECT_TRUE(CheckLocale("zh-Hans-CN").ok());
  // Well-formed, but a language ICU has no formats for: refused, not formatted as ICU's root.
  for (const char* tag : {"xx", "qaa-US", "zz-Latn"}) {
    const Status s = CheckLocale(tag);
    ASSERT_FALSE(s.ok()) << tag;
    EXPECT_NE(s.error().message().find("no number or currency formats"), std::string::npos)
        << s.error().message();
  }
  // A known language with an unknown or unusual region, or extensions: its language's formats.
  for (const char* tag : {"en-ZZ", "es-419", "th-TH-u-nu-thai", "fil-PH", "sr-Latn-RS", "yue"})
    EXPECT_TRUE(CheckLocale(tag).ok()) << tag;
}

TEST(MoneyFormatTest, CountsAndClockDigitsUseTheLocalesDigits) {
  EXPECT_EQ(*FormatCount(1234, "en-US"), "1,234");
  EXPECT_EQ(*FormatCount(1234, "ar-SA"), "١٬٢٣٤");
  EXPECT_EQ(*FormatCount(3, "hi-IN"), "3");  // hi uses Latin digits by default
  EXPECT_EQ(*FormatTwoDigits(5, "en-US"), "05");
  EXPECT_EQ(*FormatTwoDigits(59, "ar-SA"), "٥٩");
  EXPECT_EQ(*FormatTwoDigits(7, "th-TH"), "07");
}

TEST(MoneyFormatTest, RightToLeftLocales) {
  EXPECT_TRUE(IsRightToLeft("ar-SA"));
  EXPECT_TRUE(IsRightToLeft("he-IL"));
  EXPECT_TRUE(IsRightToLeft("fa-IR"));
  EXPECT_FALSE(IsRightToLeft("en-US"));
  EXPECT_FALSE(IsRightToLeft("ja-JP"));
}

}  // namespace
}  // namespace strait::overlays
