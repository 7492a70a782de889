"""A generated customer table for exact data match (issue 18): Japanese names with their kana,
addresses, phone numbers, e-mail addresses and My Numbers with valid check digits. Deterministic for a
seed; nothing here is a real person's data."""

import random

FAMILY = [("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
          ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
          ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
          ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
          ("山崎", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"), ("阿部", "アベ"),
          ("石川", "イシカワ"), ("山下", "ヤマシタ"), ("中島", "ナカジマ"), ("石井", "イシイ"), ("小川", "オガワ"),
          ("前田", "マエダ"), ("岡田", "オカダ"), ("長谷川", "ハセガワ"), ("藤田", "フジタ"), ("後藤", "ゴトウ"),
          ("近藤", "コンドウ"), ("村上", "ムラカミ"), ("遠藤", "エンドウ"), ("青木", "アオキ"), ("坂本", "サカモト")]
GIVEN = [("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("陽翔", "ハルト"), ("蓮", "レン"),
         ("結衣", "ユイ"), ("美咲", "ミサキ"), ("大翔", "ヒロト"), ("さくら", "サクラ"), ("健太", "ケンタ"),
         ("翔太", "ショウタ"), ("陽菜", "ヒナ"), ("湊", "ミナト"), ("葵", "アオイ"), ("悠真", "ユウマ"),
         ("凛", "リン"), ("拓海", "タクミ"), ("芽依", "メイ"), ("直樹", "ナオキ"), ("恵子", "ケイコ"),
         ("誠", "マコト"), ("由美", "ユミ"), ("浩", "ヒロシ"), ("裕子", "ユウコ"), ("大輔", "ダイスケ"),
         ("真由美", "マユミ"), ("剛", "ツヨシ"), ("明美", "アケミ"), ("隆", "タカシ"), ("智子", "トモコ")]
PLACES = ["東京都千代田区丸の内", "東京都新宿区西新宿", "大阪府大阪市北区梅田", "神奈川県横浜市西区みなとみらい",
          "愛知県名古屋市中村区名駅", "福岡県福岡市博多区博多駅前", "北海道札幌市中央区北一条西",
          "京都府京都市下京区烏丸通", "兵庫県神戸市中央区三宮町", "宮城県仙台市青葉区中央"]


def my_number(rng):
    """12 digits whose last is the check digit of the first 11 (the My Number rule)."""
    digits = [rng.randrange(10) for _ in range(11)]
    total = 0
    for n in range(1, 12):  # P_n counted from the right of the 11 digits
        p = digits[11 - n]
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    r = total % 11
    return "".join(map(str, digits)) + str(0 if r <= 1 else 11 - r)


def customers(count, seed=18):
    """count rows of (name, kana, address, phone, email, my_number); phones, e-mails, My Numbers unique."""
    rng = random.Random(seed)
    phones, numbers, rows = set(), set(), []
    while len(rows) < count:
        family, family_kana = rng.choice(FAMILY)
        given, given_kana = rng.choice(GIVEN)
        phone = rng.choice(["090", "080", "070"]) + f"-{rng.randrange(1000, 10000)}-{rng.randrange(1000, 10000)}"
        number = my_number(rng)
        if phone in phones or number in numbers:
            continue
        phones.add(phone)
        numbers.add(number)
        i = len(rows)
        address = f"{rng.choice(PLACES)}{rng.randrange(1, 10)}-{rng.randrange(1, 30)}-{rng.randrange(1, 20)}"
        rows.append((f"{family} {given}", f"{family_kana} {given_kana}", address, phone,
                     f"customer{i:05d}.{rng.randrange(100, 1000)}@example.co.jp", number))
    return rows


def other_phone(rng):
    return rng.choice(["090", "080"]) + f"-{rng.randrange(1000, 10000)}-{rng.randrange(1000, 10000)}"
