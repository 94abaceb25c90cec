#include "engine/event_time.h"

#include <cstdio>

namespace auditstream {
namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil algorithm).
constexpr std::int64_t daysFromCivil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yearOfEra = static_cast<unsigned>(year - era * 400);
  const unsigned dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
  return era * 146097 + static_cast<std::int64_t>(dayOfEra) - 719468;
}

constexpr void civilFromDays(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto dayOfEra = static_cast<unsigned>(days - era * 146097);
  const unsigned yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
  const unsigned dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
  const unsigned monthIndex = (5 * dayOfYear + 2) / 153;
  day = dayOfYear - (153 * monthIndex + 2) / 5 + 1;
  month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  year = static_cast<std::int64_t>(yearOfEra) + era * 400 + (month <= 2 ? 1 : 0);
}

constexpr bool isLeapYear(std::int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

constexpr unsigned daysInMonth(std::int64_t year, unsigned month) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && isLeapYear(year) ? 29 : kDays[month - 1];
}

// Reads exactly `count` digits at text[pos]; false if any is not a digit.
bool readDigits(std::string_view text, std::size_t pos, std::size_t count, unsigned& out) {
  if (pos + count > text.size()) return false;
  unsigned value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  out = value;
  return true;
}

bool expect(std::string_view text, std::size_t pos, char c) { return pos < text.size() && text[pos] == c; }

}  // namespace

std::optional<EventTime> parseRfc3339(std::string_view text) {
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!readDigits(text, 0, 4, year) || !expect(text, 4, '-') || !readDigits(text, 5, 2, month) ||
      !expect(text, 7, '-') || !readDigits(text, 8, 2, day)) {
    return std::nullopt;
  }
  if (text.size() < 11 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) return std::nullopt;
  if (!readDigits(text, 11, 2, hour) || !expect(text, 13, ':') || !readDigits(text, 14, 2, minute) ||
      !expect(text, 16, ':') || !readDigits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (year < 1678 || year > 2261 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }

  std::size_t pos = 19;
  std::int64_t fractionNanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t digitsStart = pos;
    std::int64_t scale = kNanosPerSecond / 10;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fractionNanos += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == digitsStart) return std::nullopt;
  }

  std::int64_t offsetSeconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const bool negative = text[pos] == '-';
    unsigned offsetHours = 0, offsetMinutes = 0;
    if (!readDigits(text, pos + 1, 2, offsetHours) || !expect(text, pos + 3, ':') ||
        !readDigits(text, pos + 4, 2, offsetMinutes) || offsetHours > 23 || offsetMinutes > 59) {
      return std::nullopt;
    }
    offsetSeconds = std::int64_t{offsetHours} * 3600 + std::int64_t{offsetMinutes} * 60;
    if (negative) offsetSeconds = -offsetSeconds;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;

  const std::int64_t days = daysFromCivil(year, month, day);
  const std::int64_t seconds = days * kSecondsPerDay + std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 +
                               std::int64_t{second} - offsetSeconds;
  return EventTime{seconds * kNanosPerSecond + fractionNanos};
}

std::string formatRfc3339Nanos(EventTime time) {
  std::int64_t seconds = time.nanosSinceEpoch / kNanosPerSecond;
  std::int64_t nanos = time.nanosSinceEpoch % kNanosPerSecond;
  if (nanos < 0) {
    nanos += kNanosPerSecond;
    --seconds;
  }
  std::int64_t days = seconds / kSecondsPerDay;
  std::int64_t secondOfDay = seconds % kSecondsPerDay;
  if (secondOfDay < 0) {
    secondOfDay += kSecondsPerDay;
    --days;
  }
  std::int64_t year = 0;
  unsigned month = 0, day = 0;
  civilFromDays(days, year, month, day);
  char buffer[48];
  const int written = std::snprintf(
      buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%09lldZ", static_cast<long long>(year), month, day,
      static_cast<long long>(secondOfDay / 3600), static_cast<long long>(secondOfDay / 60 % 60),
      static_cast<long long>(secondOfDay % 60), static_cast<long long>(nanos));
  return written > 0 ? std::string(buffer, static_cast<std::size_t>(written)) : std::string();
}

}  // namespace auditstream
