// AMF0 (Action Message Format 0): the value encoding of RTMP commands (connect, publish, ...) and
// data messages (@setDataFrame/onMetaData). Value is a plain recursive value type; Decode reads a
// sequence of values from untrusted bytes with limits on nesting depth, element count and string
// size, and never reads past the input. Every marker of the AMF0 spec with a wire form decodes
// (references, XML documents and typed objects included); movie clip (0x04), record set (0x0e)
// and the switch to AMF3 (0x11) do not. Encode appends the canonical encoding. No threads, no
// shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/result.h"

namespace strait::transport::rtmp::amf0 {

enum class Type : uint8_t {
  kNumber = 0x00,
  kBoolean = 0x01,
  kString = 0x02,  // also long strings (0x0c) once decoded; Encode picks the marker by length
  kObject = 0x03,
  kNull = 0x05,
  kUndefined = 0x06,
  kReference = 0x07,  // U16 index of an earlier object, array or typed object (not resolved)
  kEcmaArray = 0x08,
  kObjectEnd = 0x09,  // only inside objects; never a Value
  kStrictArray = 0x0a,
  kDate = 0x0b,
  kLongString = 0x0c,
  kUnsupported = 0x0d,  // a value the sender could not serialize: no payload
  kXmlDocument = 0x0f,  // the text in string()
  kTypedObject = 0x10,  // class name in string(), properties like an object
};

struct Property;

class Value {
 public:
  Value() = default;  // null
  static Value Number(double v);
  static Value Boolean(bool v);
  static Value String(std::string v);
  static Value Object(std::vector<Property> props);
  static Value EcmaArray(std::vector<Property> props);
  static Value StrictArray(std::vector<Value> elements);
  static Value Date(double ms_since_epoch, int16_t timezone = 0);
  static Value Null();
  static Value Undefined();
  static Value Reference(uint16_t index);
  static Value Unsupported();
  static Value XmlDocument(std::string text);
  static Value TypedObject(std::string class_name, std::vector<Property> props);

  Type type() const { return type_; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_null() const { return type_ == Type::kNull || type_ == Type::kUndefined; }
  // Object, ECMA array and typed object all hold named properties.
  bool is_object() const {
    return type_ == Type::kObject || type_ == Type::kEcmaArray || type_ == Type::kTypedObject;
  }

  double number() const { return number_; }  // number, date and reference (the index)
  bool boolean() const { return number_ != 0; }
  int16_t timezone() const { return timezone_; }
  const std::string& string() const { return string_; }  // also XML text, typed object class
  const std::vector<Property>& properties() const { return properties_; }
  const std::vector<Value>& elements() const { return elements_; }

  // Object/ECMA array lookups; nullopt when absent or of another type.
  const Value* Find(std::string_view key) const;
  std::optional<double> GetNumber(std::string_view key) const;
  std::optional<std::string> GetString(std::string_view key) const;

  friend bool operator==(const Value&, const Value&);

 private:
  Type type_ = Type::kNull;
  double number_ = 0;  // number, boolean (0/1), date, reference
  int16_t timezone_ = 0;
  std::string string_;
  std::vector<Property> properties_;
  std::vector<Value> elements_;
};

struct Property {
  std::string key;
  Value value;
  friend bool operator==(const Property&, const Property&) = default;
};

// Out of the class: Value() needs Property complete here (clang insists; GCC lets it pass).
inline Value Value::Null() {
  return Value();
}

struct Limits {
  int max_depth = 16;           // objects/arrays nested deeper are rejected
  size_t max_values = 1 << 16;  // total values decoded in one call
  size_t max_string = 1 << 20;  // bytes in one string, key, XML document or class name
};

// Decodes every value in `data` (an RTMP command or data message body).
Result<std::vector<Value>> DecodeAll(std::span<const uint8_t> data, const Limits& limits = {});

void Encode(const Value& value, std::vector<uint8_t>* out);
std::vector<uint8_t> EncodeAll(std::span<const Value> values);

}  // namespace strait::transport::rtmp::amf0
