// Money and number formatting for product cards, through ICU (CLDR data of the installed ICU, 72
// on Debian 12): the locale's symbol, grouping, decimal mark, digits and symbol placement, with
// the currency's standard number of decimals, dropped when the amount is whole ("$20", "$19.90").
// Amounts are decimal strings ("19.99") handed to ICU as decimals: never a double round trip.
//
// The strings are ICU's, byte for byte, including its spaces: a NO-BREAK SPACE (U+00A0) between
// symbol and number where CLDR puts one ("Rp\u00a0299.000", "19,99\u00a0€"), the FULLWIDTH YEN
// SIGN (U+FFE5) that CLDR's ja locale uses for JPY ("￥2,980"), and bidi marks (U+200F) around
// Arabic amounts. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "codecs/result.h"

namespace strait::overlays {

// True when `code` is an ISO 4217 currency code in current use (ICU's list of common,
// non-deprecated codes: "USD", "IDR"; not "usd", "XYZ", "DEM").
bool IsIsoCurrency(std::string_view code);

// Checks a decimal amount for `currency`: digits with an optional '.' and fraction, no sign,
// exponent, grouping or spaces, and no more decimals than the currency has ("2980.5" is refused
// for JPY, which has none). The error says which rule failed.
Status CheckAmount(std::string_view amount, std::string_view currency);

// Formats `amount` of `currency` for `locale` (BCP 47, "id-ID"): ("19.99", "USD", "en-US") is
// "$19.99". Errors for a bad amount, currency or locale.
Result<std::string> FormatMoney(std::string_view amount,
                                std::string_view currency,
                                std::string_view locale);

// Formats a count with the locale's digits and grouping ("1,234"; "١٬٢٣٤" in ar-SA).
Result<std::string> FormatCount(int64_t n, std::string_view locale);

// Formats `n` with at least two digits in the locale's digits ("05"; "٠٥" in ar-SA), for clocks.
Result<std::string> FormatTwoDigits(int64_t n, std::string_view locale);

// OK for a BCP 47 tag whose language ICU has formats for; an error when the tag is malformed, has
// no language, or names a language ICU has no data for (it would format as the root locale).
// Declared here so card validation and the renderer agree on what a valid locale is.
Status CheckLocale(std::string_view locale);

// True for locales whose script is written right to left (ar, he, fa, ur, ...).
bool IsRightToLeft(std::string_view locale);

}  // namespace strait::overlays
