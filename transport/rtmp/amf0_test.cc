#include "transport/rtmp/amf0.h"

#include <gtest/gtest.h>

#include <cmath>

namespace strait::transport::rtmp::amf0 {
namespace {

using Bytes = std::vector<uint8_t>;

Value ConnectObject() {
  return Value::Object({{"app", Value::String("live")},
                        {"type", Value::String("nonprivate")},
                        {"flashVer", Value::String("FMLE/3.0 (compatible; FMSc/1.0)")},
                        {"tcUrl", Value::String("rtmp://127.0.0.1:1935/live")},
                        {"fpad", Value::Boolean(false)},
                        {"capabilities", Value::Number(15)},
                        {"videoFunction", Value::Number(1)},
                        {"fourCcList", Value::StrictArray({Value::String("hvc1")})}});
}

TEST(Amf0Test, RoundTripsEveryType) {
  std::vector<Value> values = {
      Value::Number(1.5),
      Value::Number(-0.0),
      Value::Number(NAN),
      Value::Boolean(true),
      Value::String(""),
      Value::String("connect"),
      Value::String(std::string(70000, 'x')),  // long string
      ConnectObject(),
      Value::Null(),
      Value::Undefined(),
      Value::EcmaArray({{"width", Value::Number(640)}, {"", Value::Null()}}),
      Value::StrictArray({Value::Number(1), Value::StrictArray({}), Value::Object({})}),
      Value::Date(1.7e12, -60),
      Value::Reference(0x1234),
      Value::Unsupported(),
      Value::XmlDocument("<a b='1'/>"),
      Value::TypedObject("flash.geom.Point", {{"x", Value::Number(1)}, {"y", Value::Number(2)}}),
      Value::TypedObject("", {}),
  };
  const Bytes bytes = EncodeAll(values);
  auto decoded = DecodeAll(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  ASSERT_EQ(decoded->size(), values.size());
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_TRUE((*decoded)[i] == values[i]) << i;
  EXPECT_EQ(bytes, EncodeAll(*decoded));
}

TEST(Amf0Test, DecodesKnownBytes) {
  // "connect", 1.0, {app: "live"}
  const Bytes bytes = {0x02, 0x00, 0x07, 'c',  'o',  'n',  'n',  'e',  'c',  't',  0x00, 0x3f,
                       0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x03, 'a',  'p',
                       'p',  0x02, 0x00, 0x04, 'l',  'i',  'v',  'e',  0x00, 0x00, 0x09};
  auto values = DecodeAll(bytes);
  ASSERT_TRUE(values.ok()) << values.error().message();
  ASSERT_EQ(values->size(), 3u);
  EXPECT_EQ((*values)[0].string(), "connect");
  EXPECT_EQ((*values)[1].number(), 1.0);
  EXPECT_EQ((*values)[2].GetString("app"), "live");
  EXPECT_EQ((*values)[2].GetNumber("app"), std::nullopt);
  EXPECT_EQ((*values)[2].Find("missing"), nullptr);
}

// The markers beyond the common ones, as Flash-era and vendor encoders write them (AMF0 spec
// 2.9 reference, 2.14 unsupported, 2.17 XML document, 2.18 typed object).
TEST(Amf0Test, DecodesReferenceUnsupportedXmlAndTypedObject) {
  const Bytes bytes = {
      0x07, 0x00, 0x02,                                               // reference to object 2
      0x0d,                                                           // unsupported
      0x0f, 0x00, 0x00, 0x00, 0x04, '<',  'x',  '/',  '>',            // XML document
      0x10, 0x00, 0x03, 'P',  't',  't',                              // typed object "Ptt" {
      0x00, 0x01, 'x',  0x00, 0x40, 0x24, 0,    0,    0,    0, 0, 0,  //   x: 10
      0x00, 0x01, 'o',  0x10, 0x00, 0x00, 0x00, 0x00, 0x09,           //   o: typed object "" {}
      0x00, 0x00, 0x09};                                              // }
  auto values = DecodeAll(bytes);
  ASSERT_TRUE(values.ok()) << values.error().message();
  ASSERT_EQ(values->size(), 4u);
  EXPECT_EQ((*values)[0].type(), Type::kReference);
  EXPECT_EQ((*values)[0].number(), 2.0);
  EXPECT_EQ((*values)[1].type(), Type::kUnsupported);
  EXPECT_EQ((*values)[2].type(), Type::kXmlDocument);
  EXPECT_EQ((*values)[2].string(), "<x/>");
  const Value& typed = (*values)[3];
  EXPECT_EQ(typed.type(), Type::kTypedObject);
  EXPECT_TRUE(typed.is_object());
  EXPECT_EQ(typed.string(), "Ptt");
  EXPECT_EQ(typed.GetNumber("x"), 10.0);
  ASSERT_NE(typed.Find("o"), nullptr);
  EXPECT_EQ(typed.Find("o")->type(), Type::kTypedObject);
  EXPECT_EQ(EncodeAll(*values), bytes);  // canonical already: encodes back byte for byte
  for (size_t n = 1; n < bytes.size(); ++n) {
    auto prefix = DecodeAll(std::span<const uint8_t>(bytes.data(), n));
    if (n != 3 && n != 4 && n != 13) {  // whole values end at 3, 4 and 13 bytes
      EXPECT_FALSE(prefix.ok()) << n;
    }
  }
}

TEST(Amf0Test, EveryTruncationFailsCleanly) {
  const Bytes bytes = EncodeAll(std::vector<Value>{ConnectObject()});
  for (size_t n = 1; n < bytes.size(); ++n) {
    auto r = DecodeAll(std::span<const uint8_t>(bytes.data(), n));
    EXPECT_FALSE(r.ok()) << n;
  }
}

TEST(Amf0Test, RejectsMalformedInput) {
  auto unknown = DecodeAll(Bytes{0x11, 0x00});  // AMF3 switch marker
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("0x11"), std::string::npos);
  // Movie clip and record set: reserved, no wire form.
  EXPECT_FALSE(DecodeAll(Bytes{0x04}).ok());
  EXPECT_FALSE(DecodeAll(Bytes{0x0e}).ok());
  // XML document longer than the input; typed object without its end marker.
  EXPECT_FALSE(DecodeAll(Bytes{0x0f, 0x00, 0x00, 0x01, 0x00, '<'}).ok());
  EXPECT_FALSE(DecodeAll(Bytes{0x10, 0x00, 0x01, 'C', 0x00, 0x01, 'a', 0x05}).ok());
  // Strict array claiming 4 billion elements.
  EXPECT_FALSE(DecodeAll(Bytes{0x0a, 0xff, 0xff, 0xff, 0xff, 0x05}).ok());
  // Long string longer than the input.
  EXPECT_FALSE(DecodeAll(Bytes{0x0c, 0x7f, 0xff, 0xff, 0xff, 'a'}).ok());
  // Object end outside an object.
  EXPECT_FALSE(DecodeAll(Bytes{0x09}).ok());
  // Object without its end marker.
  EXPECT_FALSE(DecodeAll(Bytes{0x03, 0x00, 0x01, 'a', 0x05}).ok());
}

TEST(Amf0Test, EnforcesLimits) {
  Bytes deep;
  for (int i = 0; i < 100; ++i)
    deep.insert(deep.end(), {0x0a, 0x00, 0x00, 0x00, 0x01});
  deep.push_back(0x05);
  auto r = DecodeAll(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("nesting"), std::string::npos);
  Limits limits;
  limits.max_depth = 200;
  EXPECT_TRUE(DecodeAll(deep, limits).ok());

  limits = {};
  limits.max_values = 10;
  const Bytes many(20, 0x05);
  EXPECT_FALSE(DecodeAll(many, limits).ok());
  limits.max_string = 3;
  EXPECT_FALSE(DecodeAll(EncodeAll(std::vector<Value>{Value::String("abcd")}), limits).ok());
  EXPECT_FALSE(DecodeAll(EncodeAll(std::vector<Value>{Value::XmlDocument("<ab/>")}), limits).ok());
  EXPECT_FALSE(
      DecodeAll(EncodeAll(std::vector<Value>{Value::TypedObject("Class", {})}), limits).ok());

  // Typed objects nest like objects and count towards the depth limit.
  Bytes typed;
  for (int i = 0; i < 20; ++i)
    typed.insert(typed.end(), {0x10, 0x00, 0x01, 'T', 0x00, 0x01, 'a'});
  typed.push_back(0x05);
  for (int i = 0; i < 20; ++i)
    typed.insert(typed.end(), {0x00, 0x00, 0x09});
  auto nested = DecodeAll(typed);
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.error().message().find("nesting"), std::string::npos);
  limits = {};
  limits.max_depth = 20;
  EXPECT_TRUE(DecodeAll(typed, limits).ok());
  limits.max_values = 5;
  EXPECT_FALSE(DecodeAll(Bytes(6, 0x0d), limits).ok());
}

}  // namespace
}  // namespace strait::transport::rtmp::amf0
