package io.upkeep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class BudgetTest {

  @Nested
  class Resolution {

    @Test
    void aCountIsTheCount() {
      assertThat(Budget.ofNodes(3).resolve(10)).isEqualTo(3);
    }

    @Test
    void aCountIsNeverMoreThanTheGroup() {
      assertThat(Budget.ofNodes(10).resolve(3)).isEqualTo(3);
    }

    @Test
    void tenPercentOfAThousandIsAHundred() {
      assertThat(Budget.ofPercent(10).resolve(1000)).isEqualTo(100);
    }

    @Test
    void aPercentageRoundsDown() {
      assertThat(Budget.ofPercent(10).resolve(29)).isEqualTo(2);
      assertThat(Budget.ofPercent(5).resolve(1000)).isEqualTo(50);
    }

    @Test
    void tenPercentOfFiveIsStillOneNode() {
      assertThat(Budget.ofPercent(10).resolve(5)).isEqualTo(1);
    }

    @Test
    void aHundredPercentIsTheWholeGroupAndNoMore() {
      assertThat(Budget.ofPercent(100).resolve(7)).isEqualTo(7);
    }

    @Test
    void anEmptyGroupStillResolvesToOne() {
      assertThat(Budget.ofNodes(4).resolve(0)).isEqualTo(1);
      assertThat(Budget.ofPercent(50).resolve(0)).isEqualTo(1);
    }

    @Test
    void aPercentageOfAHugeGroupDoesNotOverflow() {
      assertThat(Budget.ofPercent(100).resolve(Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
    }
  }

  @Nested
  class ParsingAndValidation {

    @Test
    void parsesAPercentage() {
      assertThat(Budget.parse("10%")).isEqualTo(Budget.ofPercent(10));
      assertThat(Budget.parse(" 25 % ")).isEqualTo(Budget.ofPercent(25));
    }

    @Test
    void parsesACount() {
      assertThat(Budget.parse("3")).isEqualTo(Budget.ofNodes(3));
    }

    @Test
    void printsBackWhatItParsed() {
      assertThat(Budget.parse("10%").toString()).isEqualTo("10%");
      assertThat(Budget.parse("3").toString()).isEqualTo("3");
    }

    @Test
    void rejectsUnreadableTextNamingItAndShowingTheForms() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Budget.parse("ten percent"))
          .withMessageContaining("'ten percent'")
          .withMessageContaining("10%");
    }

    @Test
    void rejectsZeroNodes() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Budget.ofNodes(0))
          .withMessageContaining("at least one node")
          .withMessageContaining("got 0");
      assertThatIllegalArgumentException().isThrownBy(() -> Budget.parse("0"));
    }

    @Test
    void rejectsZeroPercent() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Budget.ofPercent(0))
          .withMessageContaining("0%");
      assertThatIllegalArgumentException().isThrownBy(() -> Budget.parse("0%"));
    }

    @Test
    void rejectsANegativeCount() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Budget.ofNodes(-2))
          .withMessageContaining("-2");
    }

    @Test
    void rejectsMoreThanAHundredPercent() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Budget.ofPercent(101))
          .withMessageContaining("at most 100%")
          .withMessageContaining("101%");
      assertThatIllegalArgumentException().isThrownBy(() -> Budget.parse("150%"));
    }

    @Test
    void allowsACountAboveAHundred() {
      assertThat(Budget.ofNodes(500).resolve(1000)).isEqualTo(500);
    }
  }
}
