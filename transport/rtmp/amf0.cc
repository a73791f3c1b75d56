#include "transport/rtmp/amf0.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace strait::transport::rtmp::amf0 {

Value Value::Number(double v) {
  Value r;
  r.type_ = Type::kNumber;
  r.number_ = v;
  return r;
}
Value Value::Boolean(bool v) {
  Value r;
  r.type_ = Type::kBoolean;
  r.number_ = v ? 1 : 0;
  return r;
}
Value Value::String(std::string v) {
  Value r;
  r.type_ = Type::kString;
  r.string_ = std::move(v);
  return r;
}
Value Value::Object(std::vector<Property> props) {
  Value r;
  r.type_ = Type::kObject;
  r.properties_ = std::move(props);
  return r;
}
Value Value::EcmaArray(std::vector<Property> props) {
  Value r = Object(std::move(props));
  r.type_ = Type::kEcmaArray;
  return r;
}
Value Value::StrictArray(std::vector<Value> elements) {
  Value r;
  r.type_ = Type::kStrictArray;
  r.elements_ = std::move(elements);
  return r;
}
Value Value::Date(double ms_since_epoch, int16_t timezone) {
  Value r;
  r.type_ = Type::kDate;
  r.number_ = ms_since_epoch;
  r.timezone_ = timezone;
  return r;
}
Value Value::Undefined() {
  Value r;
  r.type_ = Type::kUndefined;
  return r;
}
Value Value::Reference(uint16_t index) {
  Value r;
  r.type_ = Type::kReference;
  r.number_ = index;
  return r;
}
Value Value::Unsupported() {
  Value r;
  r.type_ = Type::kUnsupported;
  return r;
}
Value Value::XmlDocument(std::string text) {
  Value r;
  r.type_ = Type::kXmlDocument;
  r.string_ = std::move(text);
  return r;
}
Value Value::TypedObject(std::string class_name, std::vector<Property> props) {
  Value r = Object(std::move(props));
  r.type_ = Type::kTypedObject;
  r.string_ = std::move(class_name);
  return r;
}

const Value* Value::Find(std::string_view key) const {
  if (!is_object())
    return nullptr;
  for (const Property& p : properties_) {
    if (p.key == key)
      return &p.value;
  }
  return nullptr;
}

std::optional<double> Value::GetNumber(std::string_view key) const {
  const Value* v = Find(key);
  if (!v || v->type_ != Type::kNumber)
    return std::nullopt;
  return v->number_;
}

std::optional<std::string> Value::GetString(std::string_view key) const {
  const Value* v = Find(key);
  if (!v || v->type_ != Type::kString)
    return std::nullopt;
  return v->string_;
}

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_)
    return false;
  // Bitwise compare numbers so NaN round-trips compare equal.
  return std::bit_cast<uint64_t>(a.number_) == std::bit_cast<uint64_t>(b.number_) &&
         a.timezone_ == b.timezone_ && a.string_ == b.string_ && a.properties_ == b.properties_ &&
         a.elements_ == b.elements_;
}

namespace {

class Decoder {
 public:
  Decoder(std::span<const uint8_t> data, const Limits& limits) : data_(data), limits_(limits) {}

  bool done() const { return pos_ >= data_.size(); }

  Result<Value> ReadValue(int depth) {
    if (depth > limits_.max_depth)
      return Error("AMF0 nesting deeper than " + Depth());
    if (++values_ > limits_.max_values)
      return Error("AMF0: more than the value limit");
    if (!Have(1))
      return Truncated("marker");
    const uint8_t marker = data_[pos_++];
    switch (static_cast<Type>(marker)) {
      case Type::kNumber: {
        if (!Have(8))
          return Truncated("number");
        return Value::Number(ReadDouble());
      }
      case Type::kBoolean:
        if (!Have(1))
          return Truncated("boolean");
        return Value::Boolean(data_[pos_++] != 0);
      case Type::kString:
      case Type::kLongString: {
        auto s = ReadString(static_cast<Type>(marker) == Type::kLongString ? 4 : 2);
        if (!s.ok())
          return s.error();
        return Value::String(std::move(*s));
      }
      case Type::kXmlDocument: {
        auto s = ReadString(4);
        if (!s.ok())
          return s.error();
        return Value::XmlDocument(std::move(*s));
      }
      case Type::kObject:
      case Type::kEcmaArray:
      case Type::kTypedObject: {
        std::string class_name;
        if (static_cast<Type>(marker) == Type::kTypedObject) {
          auto name = ReadString(2);
          if (!name.ok())
            return name.error();
          class_name = std::move(*name);
        } else if (static_cast<Type>(marker) == Type::kEcmaArray) {
          if (!Have(4))
            return Truncated("ECMA array count");
          pos_ += 4;  // the count is a hint only; the object end marker terminates
        }
        auto props = ReadProperties(depth);
        if (!props.ok())
          return props.error();
        switch (static_cast<Type>(marker)) {
          case Type::kObject:
            return Value::Object(std::move(*props));
          case Type::kEcmaArray:
            return Value::EcmaArray(std::move(*props));
          default:
            return Value::TypedObject(std::move(class_name), std::move(*props));
        }
      }
      case Type::kStrictArray:
        return ReadStrictArray(depth);
      case Type::kNull:
        return Value::Null();
      case Type::kUndefined:
        return Value::Undefined();
      case Type::kUnsupported:
        return Value::Unsupported();
      case Type::kReference: {
        if (!Have(2))
          return Truncated("reference");
        const uint16_t index = static_cast<uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
        pos_ += 2;
        return Value::Reference(index);
      }
      case Type::kDate: {
        if (!Have(10))
          return Truncated("date");
        const double ms = ReadDouble();
        const int16_t tz = static_cast<int16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
        pos_ += 2;
        return Value::Date(ms, tz);
      }
      default:
        return Error("unsupported AMF0 marker 0x" + HexByte(marker) + " at offset " +
                     std::to_string(pos_ - 1));
    }
  }

 private:
  bool Have(size_t n) const { return data_.size() - pos_ >= n; }
  Error Truncated(const char* what) const {
    return Error(std::string("AMF0 truncated in ") + what + " at offset " + std::to_string(pos_));
  }
  std::string Depth() const { return std::to_string(limits_.max_depth); }
  static std::string HexByte(uint8_t b) {
    static const char kDigits[] = "0123456789abcdef";
    return {kDigits[b >> 4], kDigits[b & 15]};
  }

  double ReadDouble() {
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i)
      bits = bits << 8 | data_[pos_ + i];
    pos_ += 8;
    return std::bit_cast<double>(bits);
  }

  Result<std::string> ReadString(int length_bytes) {
    if (!Have(length_bytes))
      return Truncated("string length");
    size_t len = 0;
    for (int i = 0; i < length_bytes; ++i)
      len = len << 8 | data_[pos_ + i];
    pos_ += length_bytes;
    if (len > limits_.max_string) {
      return Error("AMF0 string of " + std::to_string(len) + " bytes exceeds the limit");
    }
    if (!Have(len))
      return Truncated("string");
    std::string s(reinterpret_cast<const char*>(data_.data() + pos_), len);
    pos_ += len;
    return s;
  }

  Result<std::vector<Property>> ReadProperties(int depth) {
    std::vector<Property> props;
    while (true) {
      auto key = ReadString(2);
      if (!key.ok())
        return key.error();
      if (key->empty()) {
        if (!Have(1))
          return Truncated("object end");
        if (data_[pos_] == static_cast<uint8_t>(Type::kObjectEnd)) {
          ++pos_;
          break;
        }
      }
      auto value = ReadValue(depth + 1);
      if (!value.ok())
        return value.error();
      props.push_back({std::move(*key), std::move(*value)});
    }
    return props;
  }

  Result<Value> ReadStrictArray(int depth) {
    if (!Have(4))
      return Truncated("strict array count");
    const uint32_t count = uint32_t(data_[pos_]) << 24 | uint32_t(data_[pos_ + 1]) << 16 |
                           uint32_t(data_[pos_ + 2]) << 8 | data_[pos_ + 3];
    pos_ += 4;
    // Every element takes at least one byte: a larger count is a lie, not a reason to allocate.
    if (count > data_.size() - pos_) {
      return Error("AMF0 strict array claims " + std::to_string(count) + " elements in " +
                   std::to_string(data_.size() - pos_) + " bytes");
    }
    // Reserved up to a small bound only: each nested array may claim up to the bytes left, and
    // reserving every level's claim (tens of bytes a Value) came to gigabytes for one message of a
    // few MB before max_values could stop it.
    std::vector<Value> elements;
    elements.reserve(std::min<size_t>(count, 256));
    for (uint32_t i = 0; i < count; ++i) {
      auto value = ReadValue(depth + 1);
      if (!value.ok())
        return value.error();
      elements.push_back(std::move(*value));
    }
    return Value::StrictArray(std::move(elements));
  }

  std::span<const uint8_t> data_;
  const Limits& limits_;
  size_t pos_ = 0;
  size_t values_ = 0;
};

void PutU16(uint16_t v, std::vector<uint8_t>* out) {
  out->push_back(v >> 8);
  out->push_back(v & 0xff);
}
void PutU32(uint32_t v, std::vector<uint8_t>* out) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out->push_back((v >> shift) & 0xff);
}
void PutDouble(double v, std::vector<uint8_t>* out) {
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8)
    out->push_back((bits >> shift) & 0xff);
}
// Keys are short strings: anything longer than 65535 bytes is truncated rather than corrupt.
void PutKey(const std::string& key, std::vector<uint8_t>* out) {
  const size_t n = std::min<size_t>(key.size(), 0xffff);
  PutU16(static_cast<uint16_t>(n), out);
  out->insert(out->end(), key.begin(), key.begin() + n);
}
void PutProperties(const std::vector<Property>& props, std::vector<uint8_t>* out) {
  for (const Property& p : props) {
    PutKey(p.key, out);
    Encode(p.value, out);
  }
  PutU16(0, out);
  out->push_back(static_cast<uint8_t>(Type::kObjectEnd));
}

}  // namespace

Result<std::vector<Value>> DecodeAll(std::span<const uint8_t> data, const Limits& limits) {
  Decoder decoder(data, limits);
  std::vector<Value> values;
  while (!decoder.done()) {
    auto value = decoder.ReadValue(0);
    if (!value.ok())
      return value.error();
    values.push_back(std::move(*value));
  }
  return values;
}

void Encode(const Value& value, std::vector<uint8_t>* out) {
  switch (value.type()) {
    case Type::kNumber:
      out->push_back(static_cast<uint8_t>(Type::kNumber));
      PutDouble(value.number(), out);
      break;
    case Type::kBoolean:
      out->push_back(static_cast<uint8_t>(Type::kBoolean));
      out->push_back(value.boolean() ? 1 : 0);
      break;
    case Type::kString:
    case Type::kLongString: {
      const std::string& s = value.string();
      if (s.size() <= 0xffff) {
        out->push_back(static_cast<uint8_t>(Type::kString));
        PutU16(static_cast<uint16_t>(s.size()), out);
      } else {
        out->push_back(static_cast<uint8_t>(Type::kLongString));
        PutU32(static_cast<uint32_t>(s.size()), out);
      }
      out->insert(out->end(), s.begin(), s.end());
      break;
    }
    case Type::kObject:
      out->push_back(static_cast<uint8_t>(Type::kObject));
      PutProperties(value.properties(), out);
      break;
    case Type::kEcmaArray:
      out->push_back(static_cast<uint8_t>(Type::kEcmaArray));
      PutU32(static_cast<uint32_t>(value.properties().size()), out);
      PutProperties(value.properties(), out);
      break;
    case Type::kTypedObject:
      out->push_back(static_cast<uint8_t>(Type::kTypedObject));
      PutKey(value.string(), out);
      PutProperties(value.properties(), out);
      break;
    case Type::kXmlDocument:
      out->push_back(static_cast<uint8_t>(Type::kXmlDocument));
      PutU32(static_cast<uint32_t>(value.string().size()), out);
      out->insert(out->end(), value.string().begin(), value.string().end());
      break;
    case Type::kReference:
      out->push_back(static_cast<uint8_t>(Type::kReference));
      PutU16(static_cast<uint16_t>(value.number()), out);
      break;
    case Type::kUnsupported:
      out->push_back(static_cast<uint8_t>(Type::kUnsupported));
      break;
    case Type::kStrictArray:
      out->push_back(static_cast<uint8_t>(Type::kStrictArray));
      PutU32(static_cast<uint32_t>(value.elements().size()), out);
      for (const Value& e : value.elements())
        Encode(e, out);
      break;
    case Type::kDate:
      out->push_back(static_cast<uint8_t>(Type::kDate));
      PutDouble(value.number(), out);
      PutU16(static_cast<uint16_t>(value.timezone()), out);
      break;
    case Type::kUndefined:
      out->push_back(static_cast<uint8_t>(Type::kUndefined));
      break;
    case Type::kNull:
    case Type::kObjectEnd:
      out->push_back(static_cast<uint8_t>(Type::kNull));
      break;
  }
}

std::vector<uint8_t> EncodeAll(std::span<const Value> values) {
  std::vector<uint8_t> out;
  for (const Value& v : values)
    Encode(v, &out);
  return out;
}

}  // namespace strait::transport::rtmp::amf0
