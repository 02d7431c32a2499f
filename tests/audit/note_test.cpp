// SPDX-License-Identifier: Apache-2.0
//
// Known answers come from the specifications and from the reference
// implementation's tests: RFC 8032 section 7.1 (Ed25519), the C2SP
// signed-note / tlog-checkpoint / tlog-cosignature examples, and the
// PeterNeumann / EnochRoot keys and notes of golang.org/x/mod/sumdb/note
// (note_test.go), which our signer must reproduce byte for byte.
#include "audit/note.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include "audit/base64.hpp"
#include "audit/ed25519.hpp"
#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "support/temp_dir.hpp"

namespace zkinfer::audit {
namespace {

using testing::TempDir;

Bytes from_hex(std::string_view hex) {
  Bytes out;
  for (std::size_t i = 0; i < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string to_hex(ByteSpan bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

ByteSpan as_bytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

// ---------------------------------------------------------------- Ed25519

TEST(Ed25519, Rfc8032Vectors) {
  struct Vector {
    const char* seed;
    const char* public_key;
    const char* message;
    const char* signature;
  };
  const Vector vectors[] = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
       "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
       "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
  };
  for (const Vector& v : vectors) {
    const Bytes seed = from_hex(v.seed);
    const auto key =
        Ed25519PrivateKey::from_seed(std::span<const std::uint8_t, 32>(seed.data(), 32));
    EXPECT_EQ(to_hex(key.public_key().bytes), v.public_key);
    const Bytes message = from_hex(v.message);
    const Ed25519Signature signature = key.sign(message);
    EXPECT_EQ(to_hex(signature), v.signature);
    EXPECT_TRUE(ed25519_verify(key.public_key(), message, signature));
    Bytes other = message;
    other.push_back(0);
    EXPECT_FALSE(ed25519_verify(key.public_key(), other, signature));
    for (std::size_t i = 0; i < signature.size(); i += 7) {
      Ed25519Signature bad = signature;
      bad[i] ^= 0x20;
      EXPECT_FALSE(ed25519_verify(key.public_key(), message, bad)) << i;
    }
    EXPECT_FALSE(ed25519_verify(key.public_key(), message, ByteSpan(signature).first(63)));
  }
}

TEST(Ed25519, GeneratedKeysDiffer) {
  const auto a = Ed25519PrivateKey::generate();
  const auto b = Ed25519PrivateKey::generate();
  EXPECT_NE(a.public_key(), b.public_key());
  const Bytes message = {1, 2, 3};
  EXPECT_TRUE(ed25519_verify(a.public_key(), message, a.sign(message)));
  EXPECT_FALSE(ed25519_verify(b.public_key(), message, a.sign(message)));
}

TEST(Ed25519, KeyFilesRoundTripWithPrivatePermissions) {
  const TempDir dir;
  const auto key = Ed25519PrivateKey::generate();
  for (const bool pem : {true, false}) {
    const auto path = dir.path() / (pem ? "key.pem" : "key.seed");
    pem ? key.save_pem(path) : key.save_seed(path);
    struct stat st;
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(Ed25519PrivateKey::load(path).public_key(), key.public_key());
    EXPECT_EQ(std::filesystem::file_size(path) == 32, !pem);
  }
  // Only the two files: the temporaries were renamed, not left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 2);
}

TEST(Ed25519, LoadsOpenSslPemKeysAndRejectsOthers) {
  const TempDir dir;
  const auto write_pem = [&](const char* name, int type) {
    EVP_PKEY* pkey =
        EVP_PKEY_Q_keygen(nullptr, nullptr, type == EVP_PKEY_ED25519 ? "ED25519" : "X25519");
    BIO* bio = BIO_new_file((dir.path() / name).c_str(), "w");
    PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    BIO_free(bio);
    Ed25519PublicKey pub;
    std::size_t length = 32;
    EVP_PKEY_get_raw_public_key(pkey, pub.bytes.data(), &length);
    EVP_PKEY_free(pkey);
    return pub;
  };
  const Ed25519PublicKey expected = write_pem("openssl.pem", EVP_PKEY_ED25519);
  EXPECT_EQ(Ed25519PrivateKey::load(dir.path() / "openssl.pem").public_key(), expected);
  write_pem("x25519.pem", EVP_PKEY_X25519);
  EXPECT_THROW(Ed25519PrivateKey::load(dir.path() / "x25519.pem"), Error);
  const std::string garbage =
      "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n";
  write_file_atomic(dir.path() / "garbage.pem", as_bytes(garbage));
  EXPECT_THROW(Ed25519PrivateKey::load(dir.path() / "garbage.pem"), Error);
  write_file_atomic(dir.path() / "short.seed", Bytes(31, 7));
  EXPECT_THROW(Ed25519PrivateKey::load(dir.path() / "short.seed"), Error);
  EXPECT_THROW(Ed25519PrivateKey::load(dir.path() / "missing"), Error);
}

// ---------------------------------------------------------------- keys

const std::string kPeterVkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const std::string kPeterSkey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const std::string kEnochVkey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const std::string kText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
const std::string kPeterSig =
    "— PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const std::string kEnochSig =
    "— EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

TEST(NoteKeys, GoReferenceKeys) {
  const NoteVerifierKey peter = parse_verifier_key(kPeterVkey);
  EXPECT_EQ(peter.name, "PeterNeumann");
  EXPECT_EQ(peter.type, NoteKeyType::kEd25519);
  EXPECT_EQ(peter.key_id(), 0xc74f20a3u);
  EXPECT_EQ(format_verifier_key(peter), kPeterVkey);
  const NoteSignerKey signer = parse_signer_key(kPeterSkey);
  EXPECT_EQ(signer.verifier(), peter);
  EXPECT_EQ(format_signer_key(signer), kPeterSkey);
  EXPECT_EQ(parse_verifier_key(kEnochVkey).key_id(), 0xaf0cfe78u);
}

TEST(NoteKeys, EveryManglingIsRejected) {
  // As in the reference tests: every proper substring and every one-byte
  // change of a valid key string fails.
  for (const std::string& valid : {kPeterVkey, kPeterSkey}) {
    const bool is_signer = valid == kPeterSkey;
    const auto parse = [&](const std::string& s) {
      is_signer ? (void)parse_signer_key(s) : (void)parse_verifier_key(s);
    };
    for (std::size_t i = 0; i <= valid.size(); ++i) {
      for (std::size_t j = i + 1; j <= valid.size(); ++j) {
        if (i == 0 && j == valid.size()) continue;
        EXPECT_THROW(parse(valid.substr(i, j - i)), Error) << valid.substr(i, j - i);
      }
    }
    for (std::size_t i = 0; i < valid.size(); ++i) {
      std::string changed = valid;
      ++changed[i];
      EXPECT_THROW(parse(changed), Error) << changed;
    }
  }
  // Wrong key length and unknown type, each with a matching key ID.
  EXPECT_THROW(parse_verifier_key(
                   "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="),
               Error);
  EXPECT_THROW(
      parse_verifier_key("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
      Error);
}

TEST(NoteKeys, KeyNames) {
  EXPECT_TRUE(is_valid_key_name("example.com/log42"));
  EXPECT_TRUE(is_valid_key_name("quasimodo.example/salvatore"));
  EXPECT_TRUE(is_valid_key_name("caf\xc3\xa9"));
  for (const char* bad : {"", "a b", "a+b", "a\tb", "a\nb",
                          "a\xc2\xa0"
                          "b",
                          "a\xe3\x80\x80"
                          "b",
                          "\xff",
                          "a\xc0\xaf"
                          "b"})
    EXPECT_FALSE(is_valid_key_name(bad)) << bad;
}

// ---------------------------------------------------------------- notes

TEST(Note, ReproducesTheGoSignatureByteForByte) {
  const NoteSignerKey signer = parse_signer_key(kPeterSkey);
  const std::string note = format_note({kText, {sign_note(kText, signer)}});
  EXPECT_EQ(note, kText + "\n" + kPeterSig);
  const auto verified = verify_note(parse_note(note), std::vector{parse_verifier_key(kPeterVkey)});
  ASSERT_EQ(verified.size(), 1u);
  EXPECT_EQ(verified[0].key.name, "PeterNeumann");
  EXPECT_FALSE(verified[0].timestamp.has_value());
}

TEST(Note, UnknownSignaturesAreIgnoredKnownOnesMustVerify) {
  const NoteVerifierKey peter = parse_verifier_key(kPeterVkey);
  const NoteVerifierKey enoch = parse_verifier_key(kEnochVkey);
  const SignedNote note = parse_note(kText + "\n" + kPeterSig + kEnochSig);
  ASSERT_EQ(note.signatures.size(), 2u);
  EXPECT_EQ(note.text, kText);
  EXPECT_EQ(verify_note(note, std::vector{peter}).size(), 1u);
  EXPECT_EQ(verify_note(note, std::vector{peter, enoch}).size(), 2u);
  EXPECT_THROW(verify_note(note, std::vector<NoteVerifierKey>{}), Error);
  // A known key listed twice is ambiguous only when it signed.
  EXPECT_THROW(verify_note(parse_note(kText + "\n" + kEnochSig), std::vector{enoch, peter, enoch}),
               Error);
  EXPECT_NO_THROW(
      verify_note(parse_note(kText + "\n" + kPeterSig), std::vector{enoch, peter, enoch}));
  // A known key's bad signature condemns the note, even beside a good one.
  const std::string bad_peter = kPeterSig.substr(0, 60) + "ABCD" + kPeterSig.substr(60);
  EXPECT_THROW(verify_note(parse_note(kText + "\n" + bad_peter), std::vector{peter}), Error);
  EXPECT_THROW(
      verify_note(parse_note(kText + "\n" + bad_peter + kEnochSig), std::vector{peter, enoch}),
      Error);
  // The same key with another signature type (another key ID) is unknown.
  NoteVerifierKey as_cosigner = peter;
  as_cosigner.type = NoteKeyType::kCosignatureV1;
  EXPECT_THROW(verify_note(note, std::vector{as_cosigner}), Error);
  // Changing the text breaks the signature.
  std::string changed = kText + "\n" + kPeterSig;
  changed[changed.find("cryptography")] = 'C';
  EXPECT_THROW(verify_note(parse_note(changed), std::vector{peter}), Error);
}

TEST(Note, MalformedNotesAreRejected) {
  const std::string sig =  // PeterNeumann's key ID and signature, base64
      "x08go/ZJkuBS9UG/"
      "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";
  const auto signed_by = [&](const std::string& lines) { return kText + "\n" + lines; };
  const std::vector<std::string> bad = {
      "",
      kText,                                        // no signatures
      signed_by(""),                                // blank line, no signatures
      signed_by("— PeterNeumann " + sig),           // no final newline
      "\x01" + signed_by(kPeterSig),                // control character
      "\xff" + signed_by(kPeterSig),                // invalid UTF-8
      signed_by("— Bad Name " + sig + "\n"),        // space in the name
      signed_by(kPeterSig + "Unexpected line.\n"),  // not a signature line
      signed_by(kPeterSig + kPeterSig),             // duplicate signature
      signed_by("- PeterNeumann " + sig + "\n"),    // hyphen, not em dash
      signed_by("— PeterNeumann\n"),                // no signature
      signed_by("— PeterNeumann \n"),               // empty signature
      signed_by("— PeterNeumann AAAAAA==\n"),       // key ID without signature
      signed_by("— PeterNeumann  " + sig + "\n"),   // two spaces
      signed_by("— PeterNeumann " + sig.substr(0, sig.size() - 2) + "N=\n"),  // non-canonical
      kText + "\r\n" + kPeterSig,                                             // carriage return
      signed_by(kPeterSig + "\n"),                                            // trailing blank line
  };
  for (const std::string& message : bad) EXPECT_THROW(parse_note(message), Error) << message;
}

TEST(Note, SignatureCountIsBounded) {
  const NoteSignature unknown{"x", 0, Bytes(64, 1)};
  SignedNote note{kText, {}};
  for (std::size_t i = 0; i < kMaxNoteSignatures; ++i) {
    NoteSignature s = unknown;
    s.name = "witness" + std::to_string(i);
    note.signatures.push_back(s);
  }
  EXPECT_EQ(parse_note(format_note(note)), note);
  const std::string one_more = format_note(note) + format_signature_line(unknown);
  EXPECT_THROW(parse_note(one_more), Error);
}

TEST(Note, TextMayContainBlankLines) {
  // The signed-note example: the last blank line separates the signatures.
  const std::string text =
      "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned \xc3\xa8 subito "
      "sera.\n";
  const std::string message = text +
                              "\n— quasimodo.example/salvatore "
                              "NnugSzTjtVAewIS+Z/iJhUPeFDkO/"
                              "5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";
  const SignedNote note = parse_note(message);
  EXPECT_EQ(note.text, text);
  ASSERT_EQ(note.signatures.size(), 1u);
  EXPECT_EQ(note.signatures[0].name, "quasimodo.example/salvatore");
  EXPECT_EQ(note.signatures[0].signature.size(), 64u);
  EXPECT_EQ(format_note(note), message);
}

// ---------------------------------------------------------------- checkpoints

const std::string kSofaText =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

TEST(Checkpoint, SpecExample) {
  const Checkpoint checkpoint = parse_checkpoint(kSofaText);
  EXPECT_EQ(checkpoint.origin, "example.com/behind-the-sofa");
  EXPECT_EQ(checkpoint.size, 20852163u);
  EXPECT_EQ(base64_encode(checkpoint.root.bytes), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  EXPECT_TRUE(checkpoint.extensions.empty());
  EXPECT_EQ(format_checkpoint(checkpoint), kSofaText);
  Checkpoint extended = checkpoint;
  extended.extensions = {"timestamp 1700000000", "policy v1"};
  EXPECT_EQ(parse_checkpoint(format_checkpoint(extended)), extended);
}

TEST(Checkpoint, MalformedBodiesAreRejected) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  const std::vector<std::string> bad = {
      "",
      "origin\n",
      "origin\n5\n",
      "origin\n5\n" + root,  // no final newline
      "\n5\n" + root + "\n",
      "origin\n\n" + root + "\n",
      "origin\n05\n" + root + "\n",
      "origin\n+5\n" + root + "\n",
      "origin\n-5\n" + root + "\n",
      "origin\n 5\n" + root + "\n",
      "origin\n5 \n" + root + "\n",
      "origin\n0x5\n" + root + "\n",
      "origin\n18446744073709551616\n" + root + "\n",
      "origin\n99999999999999999999\n" + root + "\n",
      "origin\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n",  // 31 bytes
      "origin\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n",  // non-canonical
      "origin\n5\n" + root + "\n\n",                                // empty extension line
      "origin\n5\n" + root + "\n\nextension\n",
      "origin\r\n5\n" + root + "\n",
  };
  for (const std::string& text : bad) EXPECT_THROW(parse_checkpoint(text), Error) << text;
  EXPECT_EQ(parse_checkpoint("origin\n18446744073709551615\n" + root + "\n").size,
            ~std::uint64_t{0});
  EXPECT_EQ(parse_checkpoint("origin\n0\n" + root + "\n").size, 0u);
  EXPECT_THROW(format_checkpoint({"two\nlines", 1, {}, {}}), Error);
  EXPECT_THROW(format_checkpoint({"origin", 1, {}, {""}}), Error);
}

TEST(Cosignature, SpecExample) {
  EXPECT_EQ(cosignature_message(kSofaText, 1679315147),
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  const std::string message =
      kSofaText +
      "\n— example.com/behind-the-sofa "
      "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
      "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
      "— witness.example.com/w1 "
      "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/"
      "zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";
  const SignedNote note = parse_note(message);
  ASSERT_EQ(note.signatures.size(), 2u);
  const NoteSignature& witness = note.signatures[1];
  EXPECT_EQ(witness.name, "witness.example.com/w1");
  ASSERT_EQ(witness.signature.size(), 72u);  // timestamp ‖ Ed25519 signature
  std::uint64_t timestamp = 0;
  for (int i = 0; i < 8; ++i) timestamp = timestamp << 8 | witness.signature[i];
  EXPECT_EQ(timestamp, 1679315147u);
  EXPECT_EQ(format_note(note), message);
}

struct LogAndWitness {
  NoteSignerKey log{"log.example/audit", NoteKeyType::kEd25519, Ed25519PrivateKey::generate()};
  NoteSignerKey witness{"witness.example/w1", NoteKeyType::kCosignatureV1,
                        Ed25519PrivateKey::generate()};
  Checkpoint checkpoint{"log.example/audit", 42, hash::sha256(as_bytes("root")), {}};
};

TEST(Cosignature, SignOpenAndCosign) {
  const LogAndWitness keys;
  const std::string signed_checkpoint = sign_checkpoint(keys.checkpoint, keys.log);
  const OpenedCheckpoint opened = open_checkpoint(signed_checkpoint, keys.log.verifier());
  EXPECT_EQ(opened.checkpoint, keys.checkpoint);
  EXPECT_TRUE(opened.cosignatures.empty());

  const std::string text = format_checkpoint(keys.checkpoint);
  const NoteSignature cosignature = cosign_note(text, keys.witness, 1700000000);
  const std::string cosigned = signed_checkpoint + format_signature_line(cosignature);
  const auto witnesses = std::vector{keys.witness.verifier()};
  const OpenedCheckpoint both = open_checkpoint(cosigned, keys.log.verifier(), witnesses);
  ASSERT_EQ(both.cosignatures.size(), 1u);
  EXPECT_EQ(both.cosignatures[0].key, keys.witness.verifier());
  EXPECT_EQ(both.cosignatures[0].timestamp, 1700000000u);
  // Without the witness key the cosignature is simply ignored.
  EXPECT_TRUE(open_checkpoint(cosigned, keys.log.verifier()).cosignatures.empty());
  // The witness key string round-trips with its own type byte.
  EXPECT_EQ(parse_verifier_key(format_verifier_key(keys.witness.verifier())),
            keys.witness.verifier());
  const std::string vkey = format_verifier_key(keys.witness.verifier());
  const std::size_t key_start = vkey.find('+', vkey.find('+') + 1) + 1;  // base64 may contain '+'
  EXPECT_EQ(base64_decode(vkey.substr(key_start), "vkey")[0], 0x04);
}

TEST(Cosignature, ForgeriesAreRejected) {
  const LogAndWitness keys;
  const std::string text = format_checkpoint(keys.checkpoint);
  const std::string signed_checkpoint = sign_checkpoint(keys.checkpoint, keys.log);
  const auto witnesses = std::vector{keys.witness.verifier()};
  const auto open_with = [&](const NoteSignature& cosignature) {
    return open_checkpoint(signed_checkpoint + format_signature_line(cosignature),
                           keys.log.verifier(), witnesses);
  };
  NoteSignature cosignature = cosign_note(text, keys.witness, 1700000000);
  NoteSignature later = cosignature;
  later.signature[7] ^= 1;  // claims another time
  EXPECT_THROW(open_with(later), Error);
  NoteSignature future = cosignature;
  future.signature[0] = 0x80;  // above 2^63 - 1
  EXPECT_THROW(open_with(future), Error);
  NoteSignature truncated = cosignature;
  truncated.signature.pop_back();
  EXPECT_THROW(open_with(truncated), Error);
  EXPECT_THROW(cosign_note(text, keys.witness, std::uint64_t{1} << 63), Error);
  EXPECT_THROW(cosign_note("not a checkpoint\n", keys.witness, 1), Error);
  EXPECT_THROW(cosign_note(text, keys.log, 1), Error);  // a log key is not a cosigner key
  // A plain signature by the witness's key is not a cosignature: its key ID
  // differs, so it is an unknown signature and does not count.
  const NoteSignerKey plain{keys.witness.name, NoteKeyType::kEd25519, keys.witness.key};
  EXPECT_TRUE(open_checkpoint(signed_checkpoint + format_signature_line(sign_note(text, plain)),
                              keys.log.verifier(), witnesses)
                  .cosignatures.empty());
}

TEST(Checkpoint, OpeningChecksTheLogKeyAndOrigin) {
  const LogAndWitness keys;
  const std::string signed_checkpoint = sign_checkpoint(keys.checkpoint, keys.log);
  const NoteSignerKey impostor{keys.log.name, NoteKeyType::kEd25519, Ed25519PrivateKey::generate()};
  EXPECT_THROW(open_checkpoint(signed_checkpoint, impostor.verifier()), Error);
  // Signed by the log key but for another origin.
  const NoteSignerKey other_name{"other.example/log", NoteKeyType::kEd25519, keys.log.key};
  const std::string text = format_checkpoint(keys.checkpoint);
  EXPECT_THROW(
      open_checkpoint(format_note({text, {sign_note(text, other_name)}}), other_name.verifier()),
      Error);
  EXPECT_THROW(sign_checkpoint(keys.checkpoint, other_name), Error);
  // Any change to the signed text.
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string tampered = signed_checkpoint;
    tampered[i] = tampered[i] == '1' ? '2' : '1';
    EXPECT_THROW(open_checkpoint(tampered, keys.log.verifier()), Error) << i;
  }
  // Only the witness cosigned: the log signature is missing.
  const NoteSignature cosignature = cosign_note(text, keys.witness, 5);
  EXPECT_THROW(open_checkpoint(format_note({text, {cosignature}}), keys.log.verifier(),
                               std::vector{keys.witness.verifier()}),
               Error);
}

}  // namespace
}  // namespace zkinfer::audit
