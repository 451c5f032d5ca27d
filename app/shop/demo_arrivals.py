"""The demo shop's later arrivals, oldest first, after app/shop/demo_catalog.py's first
products: mixed across the shelves, so the newest page shows a bit of everything."""

from __future__ import annotations

from app.shop.demo_catalog import DemoProduct

ARRIVALS = [
    DemoProduct(
        "fruit", "청송 꿀사과 5kg", "Cheongsong honey-crisp apples, 5 kg", 39_900, 30,
        "일교차 큰 청송 산자락에서 자라 속에 꿀이 박힌 사과예요. 아삭하고 새콤달콤해요.",
        "Grown on the cool slopes of Cheongsong, with honeyed cores. Crisp, sweet and tart."),
    DemoProduct(
        "home", "순면 거즈 이불 (퀸)", "Cotton gauze quilt, queen", 89_000, 14,
        "네 겹 순면 거즈라 여름엔 시원하고 봄가을엔 포근해요. 빨수록 더 부드러워져요.",
        "Four layers of cotton gauze: cool in summer, cosy in spring and autumn, softer with "
        "every wash."),
    DemoProduct(
        "digital", "저소음 무선 마우스", "Silent wireless mouse", 29_000, 70,
        "딸깍 소리가 거의 없어 도서관에서도 쓰기 좋아요. AA 건전지 하나로 1년 가까이 써요.",
        "Clicks you can barely hear, fine for a library. One AA battery lasts about a year."),
    DemoProduct(
        "kitchen", "무쇠 주물 냄비 20cm", "Cast-iron casserole, 20 cm", 119_000, 6,
        "법랑을 입힌 무쇠 냄비라 열을 고르게 오래 품어요. 찜, 조림, 밥 짓기에 좋아요.",
        "Enamelled cast iron that holds heat evenly and long: for braises, stews and rice."),
    DemoProduct(
        "fashion", "오버핏 옥스퍼드 셔츠", "Oversized oxford shirt", 49_000, 30,
        "도톰한 면 옥스퍼드 원단으로 넉넉하게 만들었어요. 단추를 풀어 재킷처럼 걸쳐도 좋아요.",
        "Cut roomy from sturdy cotton oxford cloth; wear it open as a light jacket too."),
    DemoProduct(
        "tea", "제주 유기농 말차 50g", "Jeju organic matcha, 50 g", 28_000, 25,
        "제주 유기농 차밭의 어린 잎을 돌맷돌로 곱게 갈았어요. 라테나 베이킹에도 잘 어울려요.",
        "Young leaves from organic Jeju tea gardens, stone-ground fine. Lovely in lattes and "
        "baking too."),
    DemoProduct(
        "sauces", "재래식 된장 1kg", "Traditional doenjang, 1 kg", 17_500, 45,
        "국산 콩으로 메주를 띄워 항아리에서 2년 숙성했어요. 구수하고 깊은 맛이 나요.",
        "Made from Korean soybeans and aged two years in earthenware jars: nutty and deep."),
    DemoProduct(
        "digital", "고속충전 보조배터리 10000mAh", "Fast-charging power bank, 10,000 mAh",
        39_000, 45,
        "손바닥만 한 크기에 휴대폰을 두 번 충전할 수 있어요. USB-C 양방향 20W 고속충전이에요.",
        "Palm-sized, with two phone charges inside. 20 W fast charging both ways over USB-C."),
    DemoProduct(
        "home", "메밀 베개", "Buckwheat hull pillow", 39_000, 28,
        "국산 메밀 껍질을 채워 머리 모양에 맞게 잡아 줘요. 속통은 지퍼로 양을 조절할 수 있어요.",
        "Filled with Korean buckwheat hulls that shape to your head; unzip to adjust the "
        "filling."),
    DemoProduct(
        "fruit", "성주 참외 2kg", "Seongju Korean melons, 2 kg", 24_900, 18,
        "노랗고 단단한 성주 참외예요. 껍질째 먹어도 될 만큼 얇고 아삭해요.",
        "Bright yellow chamoe from Seongju, with skins thin enough to eat. Crunchy and fresh."),
    DemoProduct(
        "coffee", "디카페인 콜롬비아 원두 200g", "Decaf Colombia coffee beans, 200 g", 14_500, 22,
        "물로만 카페인을 뺀 콜롬비아 원두예요. 밤에도 편하게 즐기는 캐러멜 향 커피예요.",
        "Colombian beans decaffeinated with water alone: a caramel-sweet coffee for evenings."),
    DemoProduct(
        "fashion", "캐시미어 머플러", "Cashmere scarf", 89_000, 12,
        "내몽골산 캐시미어 100%로 짠 가볍고 따뜻한 머플러예요. 선물 상자에 담아 보내 드려요.",
        "Pure Inner Mongolian cashmere, light and warm. Sent in a gift box."),
    DemoProduct(
        "kitchen", "스테인리스 텀블러 500ml", "Stainless steel tumbler, 500 ml", 23_000, 55,
        "이중 진공 구조라 얼음이 12시간 그대로예요. 뚜껑까지 통째로 분리해서 씻을 수 있어요.",
        "Double-walled and vacuum-sealed: ice stays ice for 12 hours. The lid comes apart for "
        "washing."),
    DemoProduct(
        "snacks", "찹쌀 약과 선물세트 20개", "Sticky-rice yakgwa gift box, 20 pieces", 19_800, 3,
        "찹쌀 반죽을 튀겨 조청에 재운 전통 약과예요. 겉은 바삭하고 속은 촉촉해요.",
        "Traditional honey pastries: fried sticky-rice dough soaked in grain syrup, crisp "
        "outside and moist within."),
    DemoProduct(
        "digital", "블루투스 스피커", "Bluetooth speaker", 79_000, 16,
        "작은 몸집에 깊은 저음을 담았어요. 생활 방수라 욕실이나 캠핑장에서도 쓸 수 있어요.",
        "Small, with a surprisingly deep bass. Splash-proof for the bathroom or the campsite."),
    DemoProduct(
        "home", "원목 협탁", "Solid oak side table", 149_000, 4,
        "북미산 참나무 통원목에 오일 마감을 했어요. 서랍 하나, 선반 하나가 있어요.",
        "Solid North American oak with an oil finish, one drawer and one shelf."),
    DemoProduct(
        "drinks", "문경 오미자청 500ml", "Mungyeong omija syrup, 500 ml", 21_000, 0,
        "다섯 가지 맛이 나는 문경 오미자를 설탕에 100일 재웠어요. 올해 물량은 품절이에요.",
        "Mungyeong's five-flavour berries steeped in sugar for 100 days. This year's batch has "
        "sold out."),
    DemoProduct(
        "fashion", "경량 패딩 조끼", "Lightweight puffer vest", 69_000, 0,
        "덕다운을 채운 얇은 조끼라 코트 안에 입기 좋아요. 다음 입고를 기다려 주세요.",
        "A thin duck-down vest to wear under a coat. Back in stock soon."),
    DemoProduct(
        "kitchen", "내열유리 밀폐용기 4종", "Heat-proof glass containers, set of 4", 29_900, 35,
        "오븐과 전자레인지에 그대로 넣을 수 있는 붕규산 유리 용기예요. 뚜껑은 네 면 잠금이에요.",
        "Borosilicate glass that goes straight into the oven or microwave; four-latch lids."),
    DemoProduct(
        "tea", "고흥 유자차 1kg", "Goheung yuja tea, 1 kg", 14_900, 70,
        "껍질째 얇게 썬 고흥 유자를 꿀과 설탕에 절였어요. 따뜻한 물에 두 숟갈이면 돼요.",
        "Goheung yuja sliced thin, peel and all, preserved in honey and sugar. Two spoonfuls in "
        "hot water."),
    DemoProduct(
        "digital", "노트북 거치대", "Aluminium laptop stand", 35_000, 38,
        "알루미늄 통판을 접어 만든 거치대예요. 높이를 여섯 단계로 맞출 수 있고 접으면 얇아져요.",
        "Folded from one sheet of aluminium, six heights, and flat enough to carry."),
    DemoProduct(
        "home", "라탄 수납 바구니", "Rattan storage basket", 26_000, 33,
        "인도네시아 장인이 손으로 엮은 라탄 바구니예요. 수건이나 장난감을 담아 두기 좋아요.",
        "Hand-woven rattan from Indonesian craftspeople, for towels, toys and the rest."),
    DemoProduct(
        "fashion", "천연가죽 카드지갑", "Leather card wallet", 35_000, 40,
        "베지터블 태닝 소가죽으로 만들어 쓸수록 색이 깊어져요. 카드 여섯 장이 들어가요.",
        "Vegetable-tanned cowhide that darkens beautifully with use; holds six cards."),
    DemoProduct(
        "fruit", "논산 설향 딸기 1kg", "Nonsan seolhyang strawberries, 1 kg", 18_900, 5,
        "새벽에 딴 논산 설향 딸기를 그날 바로 보내 드려요. 받으신 날 드시는 게 가장 맛있어요.",
        "Seolhyang strawberries picked at dawn in Nonsan and shipped the same day. Best eaten "
        "the day they arrive."),
    DemoProduct(
        "kitchen", "편백나무 찜기 2단", "Hinoki wood steamer, two tiers", 42_000, 11,
        "편백나무 향이 은은하게 배는 찜기예요. 만두, 떡, 고구마를 찌기 좋아요.",
        "A hinoki steamer that lends a faint forest scent to dumplings, rice cakes and sweet "
        "potatoes."),
    DemoProduct(
        "digital", "65W USB-C 멀티 충전기", "65 W USB-C multi-port charger", 45_000, 3,
        "노트북, 태블릿, 휴대폰을 한 번에 충전해요. 접이식 플러그라 가방에 쏙 들어가요.",
        "Charges a laptop, a tablet and a phone at once; the plug folds away for travel."),
    DemoProduct(
        "coffee", "드립백 커피 20개입", "Drip bag coffee, 20 bags", 16_900, 40,
        "컵에 걸고 물만 부으면 되는 드립백이에요. 브라질과 에티오피아를 섞어 고소하고 산뜻해요.",
        "Hang one on a cup and pour: a blend of Brazil and Ethiopia, nutty and bright."),
    DemoProduct(
        "home", "규조토 발매트", "Diatomite bath mat", 24_900, 48,
        "물기를 금세 빨아들여 발바닥이 보송해요. 가끔 햇볕에 말려 주세요.",
        "Drinks up water in seconds and leaves your feet dry. Air it in the sun now and then."),
    DemoProduct(
        "fashion", "캔버스 스니커즈", "Canvas sneakers", 59_000, 22,
        "부산 신발 공장에서 만든 천연고무 밑창의 캔버스화예요. 220–290mm.",
        "Canvas shoes on natural rubber soles, made in a Busan shoe factory. 220–290 mm."),
    DemoProduct(
        "snacks", "수제 누룽지 1kg", "Handmade nurungji, 1 kg", 11_900, 0,
        "가마솥에 눌려 만든 고소한 누룽지예요. 끓이면 숭늉, 그냥 먹으면 과자예요. 품절이에요.",
        "Toasty scorched rice from a cauldron: boil it for a warm drink or snack on it as is. "
        "Sold out."),
    DemoProduct(
        "digital", "스마트워치", "Smartwatch", 199_000, 9,
        "심박, 수면, 걸음을 기록하고 알림을 보여 줘요. 한 번 충전으로 일주일을 써요.",
        "Tracks heart rate, sleep and steps and shows your notifications; a week per charge."),
    DemoProduct(
        "home", "호텔식 순면 수건 5장", "Hotel cotton towels, 5 pack", 32_000, 90,
        "40수 순면을 두툼하게 짜서 호텔처럼 폭신해요. 보풀이 적고 빨리 말라요.",
        "Thick 40s cotton, fluffy like a hotel's; little lint, quick to dry."),
    DemoProduct(
        "sauces", "저온 압착 참기름 300ml", "Cold-pressed sesame oil, 300 ml", 16_800, 60,
        "국산 참깨를 낮은 온도에서 눌러 짜 향이 맑고 고소해요. 나물과 비빔밥에 잘 어울려요.",
        "Korean sesame seeds pressed cold for a clean, nutty aroma; for namul and bibimbap."),
    DemoProduct(
        "fashion", "나일론 미니 백팩", "Nylon mini backpack", 54_000, 17,
        "가볍고 물에 강한 나일론 백팩이에요. 13인치 태블릿과 물병이 들어가요.",
        "Light, water-resistant nylon that fits a 13-inch tablet and a water bottle."),
    DemoProduct(
        "kitchen", "무선 전기 주전자 1.2L", "Cordless electric kettle, 1.2 L", 49_000, 24,
        "원하는 온도로 물을 데우고 한 시간 동안 보온해요. 녹차는 70 °C, 홍차는 95 °C.",
        "Heats to the temperature you choose and keeps it for an hour: 70 °C for green tea, "
        "95 °C for black."),
    DemoProduct(
        "tea", "볶은 보리차 티백 50개", "Roasted barley tea, 50 tea bags", 7_900, 150,
        "국산 겉보리를 두 번 볶아 구수해요. 찬물에 넣어 두기만 해도 우러나요.",
        "Korean barley roasted twice for a toasty cup; it brews in cold water too."),
    DemoProduct(
        "home", "소이 캔들 (무화과)", "Soy candle, fig", 19_500, 2,
        "콩 왁스와 면 심지로 그을음 없이 40시간 타요. 달콤한 무화과 향이에요.",
        "Soy wax and a cotton wick: 40 hours without soot, with a sweet scent of fig."),
    DemoProduct(
        "fashion", "생활한복 블라우스", "Modern hanbok blouse", 79_000, 5,
        "저고리 깃을 살린 린넨 블라우스예요. 청바지에도 치마에도 잘 어울려요.",
        "A linen blouse with a jeogori collar that goes with jeans or a skirt."),
    DemoProduct(
        "digital", "무선 충전 패드", "Wireless charging pad", 25_000, 50,
        "휴대폰을 올려 두기만 하면 충전돼요. 이어폰 케이스도 함께 충전할 수 있어요.",
        "Set your phone down and it charges; earbud cases too."),
    DemoProduct(
        "home", "자개 손거울", "Mother-of-pearl hand mirror", 45_000, 7,
        "통영 장인이 자개를 한 조각씩 붙여 만든 손거울이에요. 선물하기 좋아요.",
        "Mother-of-pearl laid piece by piece by a Tongyeong artisan. A lovely gift."),
    DemoProduct(
        "digital", "전자잉크 리더기 7인치", "E-ink reader, 7 inch", 189_000, 0,
        "눈이 편한 전자잉크 화면에 책 수천 권을 담아요. 다음 입고를 기다리고 있어요.",
        "An easy-on-the-eyes e-ink screen that holds thousands of books. Restocking soon."),
]
