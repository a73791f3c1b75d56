#include "overlays/money_format.h"

#include <unicode/locid.h>
#include <unicode/numberformatter.h>
#include <unicode/ucurr.h>
#include <unicode/uenum.h>

#include <set>
#include <string>

namespace strait::overlays {

namespace {

namespace number = icu::number;

icu::StringPiece Piece(std::string_view s) {
  return icu::StringPiece(s.data(), static_cast<int32_t>(s.size()));
}

std::string Quote(std::string_view s) {
  std::string quoted = "\"";  // not "\"" + std::string(s): GCC 12 warns falsely (-Wrestrict)
  quoted.append(s).push_back('"');
  return quoted;
}

Result<icu::Locale> ParseLocale(std::string_view tag) {
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale locale = icu::Locale::forLanguageTag(Piece(tag), status);
  if (U_FAILURE(status) || locale.isBogus() || *locale.getLanguage() == '\0')
    return Error(Quote(tag) + " is not a BCP 47 language tag");
  return locale;
}

Result<std::string> Finish(const number::FormattedNumber& formatted, UErrorCode status) {
  std::string out;
  formatted.toString(status).toUTF8String(out);
  if (U_FAILURE(status))
    return Error(std::string("ICU: ") + u_errorName(status));
  return out;
}

}  // namespace

bool IsIsoCurrency(std::string_view code) {
  // ICU's list is fixed for the life of the process: read it once.
  static const std::set<std::string, std::less<>> codes = [] {
    std::set<std::string, std::less<>> set;
    UErrorCode status = U_ZERO_ERROR;
    UEnumeration* all = ucurr_openISOCurrencies(UCURR_COMMON | UCURR_NON_DEPRECATED, &status);
    const char* c;
    while (U_SUCCESS(status) && (c = uenum_next(all, nullptr, &status)) != nullptr)
      set.insert(c);
    uenum_close(all);
    return set;
  }();
  return codes.find(code) != codes.end();
}

Status CheckAmount(std::string_view amount, std::string_view currency) {
  if (!IsIsoCurrency(currency))
    return Error(Quote(currency) + " is not an ISO 4217 currency code");
  size_t digits = 0, decimals = 0;
  bool point = false;
  for (char c : amount) {
    if (c == '.' && !point && digits > 0) {
      point = true;
    } else if (c >= '0' && c <= '9') {
      ++(point ? decimals : digits);
    } else {
      return Error(Quote(amount) + " is not a decimal number (digits and one '.', e.g. \"19.99\")");
    }
  }
  if (digits == 0 || (point && decimals == 0))
    return Error(Quote(amount) + " is not a decimal number (digits and one '.', e.g. \"19.99\")");
  if (digits > 15)
    return Error(Quote(amount) + " is too large");
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString iso = icu::UnicodeString::fromUTF8(Piece(currency));
  const int32_t allowed = ucurr_getDefaultFractionDigitsForUsage(iso.getTerminatedBuffer(),
                                                                 UCURR_USAGE_STANDARD, &status);
  if (U_FAILURE(status))
    return Error(std::string("ICU: ") + u_errorName(status));
  // Extra decimals may only be zeros ("2980.00" JPY); anything else would be rounded away.
  const std::string_view fraction = point ? amount.substr(digits + 1) : std::string_view();
  if (fraction.size() > size_t(allowed) &&
      fraction.substr(allowed).find_first_not_of('0') != std::string_view::npos) {
    return Error(Quote(amount) + " has more decimals than " + std::string(currency) + " has (" +
                 std::to_string(allowed) + ")");
  }
  return OkStatus();
}

Result<std::string> FormatMoney(std::string_view amount,
                                std::string_view currency,
                                std::string_view locale) {
  if (Status ok = CheckAmount(amount, currency); !ok)
    return ok.error();
  auto loc = ParseLocale(locale);
  if (!loc)
    return loc.error();
  UErrorCode status = U_ZERO_ERROR;
  const icu::CurrencyUnit unit(Piece(currency), status);
  const auto formatter = number::NumberFormatter::withLocale(*loc).unit(unit).precision(
      number::Precision::currency(UCURR_USAGE_STANDARD)
          .trailingZeroDisplay(UNUM_TRAILING_ZERO_HIDE_IF_WHOLE));
  const number::FormattedNumber formatted = formatter.formatDecimal(Piece(amount), status);
  return Finish(formatted, status);
}

Result<std::string> FormatCount(int64_t n, std::string_view locale) {
  auto loc = ParseLocale(locale);
  if (!loc)
    return loc.error();
  UErrorCode status = U_ZERO_ERROR;
  const number::FormattedNumber formatted =
      number::NumberFormatter::withLocale(*loc).formatInt(n, status);
  return Finish(formatted, status);
}

Result<std::string> FormatTwoDigits(int64_t n, std::string_view locale) {
  auto loc = ParseLocale(locale);
  if (!loc)
    return loc.error();
  UErrorCode status = U_ZERO_ERROR;
  const number::FormattedNumber formatted = number::NumberFormatter::withLocale(*loc)
                                                .integerWidth(number::IntegerWidth::zeroFillTo(2))
                                                .grouping(UNUM_GROUPING_OFF)
                                                .formatInt(n, status);
  return Finish(formatted, status);
}

Status CheckLocale(std::string_view locale) {
  auto loc = ParseLocale(locale);
  if (!loc)
    return loc.error();
  // A well-formed tag of a language ICU has no data for ("xx", "qaa") would format as ICU's root
  // locale (Latin digits, "¤ 19.99"), not as the producer asked: refused. An unknown region or
  // script of a known language falls back within the language, as CLDR intends.
  static const std::set<std::string>* const kLanguages = [] {
    auto* languages = new std::set<std::string>;
    int32_t n = 0;
    const icu::Locale* all = icu::Locale::getAvailableLocales(n);
    for (int32_t i = 0; i < n; ++i)
      languages->insert(all[i].getLanguage());
    return languages;
  }();
  if (!kLanguages->contains(loc->getLanguage())) {
    return Error(Quote(locale) + ": no number or currency formats for language \"" +
                 loc->getLanguage() + "\" (not in ICU's data)");
  }
  return OkStatus();
}

bool IsRightToLeft(std::string_view locale) {
  auto loc = ParseLocale(locale);
  return loc.ok() && loc->isRightToLeft();
}

}  // namespace strait::overlays
