package io.socketpush.wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Utf8ValidatorTest {

  @ParameterizedTest
  @ValueSource(strings = {"c080", "e08080", "eda080", "f4908080", "f8888080", "ff", "80", "c328", "e282"})
  void refusesOverlongSurrogatesOutOfRangeAndBrokenSequences(String hex) {
    int state = Utf8Validator.feed(Utf8Validator.COMPLETE, HexFormat.of().parseHex(hex));
    assertEquals(true, state != Utf8Validator.COMPLETE, hex);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "41", "c2a9", "e4bda0e5a5bd", "f09f9880", "f48fbfbf", "ed9fbf", "ee8080"})
  void acceptsValidText(String hex) {
    assertEquals(Utf8Validator.COMPLETE, Utf8Validator.feed(Utf8Validator.COMPLETE, HexFormat.of().parseHex(hex)), hex);
  }

  @Test
  void acceptsACharacterSplitAcrossFragments() {
    byte[] smile = HexFormat.of().parseHex("f09f9880");
    int state = Utf8Validator.COMPLETE;
    for (byte b : smile) {
      state = Utf8Validator.feed(state, new byte[] {b});
      assertEquals(true, state != Utf8Validator.INVALID);
    }
    assertEquals(Utf8Validator.COMPLETE, state);
  }

  @Test
  void agreesWithTheJdkDecoderOnRandomInput() {
    Random random = new Random(42);
    for (int i = 0; i < 200_000; i++) {
      byte[] bytes = new byte[1 + random.nextInt(8)];
      random.nextBytes(bytes);
      if (random.nextBoolean()) {
        bytes[0] = (byte) (0xC0 | random.nextInt(0x40)); // bias towards multi-byte starts
      }
      boolean jdk = jdkAccepts(bytes);
      boolean ours = Utf8Validator.feed(Utf8Validator.COMPLETE, bytes) == Utf8Validator.COMPLETE;
      assertEquals(jdk, ours, HexFormat.of().formatHex(bytes));
    }
  }

  private static boolean jdkAccepts(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
