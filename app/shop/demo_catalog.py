"""The demo shop's shelves: six top categories (two with subcategories) and the products
the shop opened with. Korean first, as the shop sells in Korea; English pages show the
translations. Products are listed oldest first (lists show newest first); the ones that came
later are in app/shop/demo_arrivals.py.

Each top category names the motif its products' pictures show and the hue they are drawn
around (app/shop/demo_images.py); a subcategory's products share its parent's.
"""

from __future__ import annotations

from typing import NamedTuple


class DemoCategory(NamedTuple):
    slug: str
    name: str
    name_en: str
    parent: str | None = None  # the parent's slug
    motif: str | None = None  # top categories only
    hue: float = 0.0


class DemoProduct(NamedTuple):
    category: str  # a DemoCategory's slug
    name: str
    name_en: str
    price: int
    stock: int
    description: str
    description_en: str


# Parents before their children, in the order the shop shows them.
CATEGORIES = [
    DemoCategory("food", "식품", "Food", motif="fruit", hue=0.02),
    DemoCategory("fruit", "과일", "Fruit", parent="food"),
    DemoCategory("sauces", "장·양념", "Sauces & pantry", parent="food"),
    DemoCategory("snacks", "간식", "Snacks", parent="food"),
    DemoCategory("drinks-tea", "음료·차", "Drinks & tea", motif="cup", hue=0.30),
    DemoCategory("tea", "차", "Tea", parent="drinks-tea"),
    DemoCategory("coffee", "커피", "Coffee", parent="drinks-tea"),
    DemoCategory("drinks", "음료", "Drinks", parent="drinks-tea"),
    DemoCategory("kitchen", "주방", "Kitchen", motif="bowl", hue=0.53),
    DemoCategory("home", "리빙", "Home & living", motif="lamp", hue=0.11),
    DemoCategory("fashion", "패션", "Fashion", motif="bag", hue=0.88),
    DemoCategory("digital", "디지털", "Digital", motif="gadget", hue=0.66),
]

FIRST_PRODUCTS = [
    DemoProduct(
        "fruit", "제주 한라봉 3kg", "Jeju hallabong tangerines, 3 kg", 32_900, 40,
        "서귀포 과수원에서 잘 익었을 때 따서 이틀 안에 보내 드리는 달콤하고 씨 없는 한라봉이에요."
        "\n\n서늘한 곳에 두고 일주일 안에 드시면 가장 맛있어요.",
        "Sweet, seedless hallabong from Seogwipo orchards, picked ripe and shipped within two "
        "days.\n\nKeep them somewhere cool; they are at their best within a week."),
    DemoProduct(
        "tea", "보성 첫물 녹차 80g", "Boseong green tea, first flush 80 g", 24_000, 35,
        "4월 보성 계단식 차밭에서 손으로 딴 우전 잎이에요. 70 °C 물에 우리면 부드럽고 싱그러운 "
        "맛이 나요.",
        "Ujeon leaves hand-picked in April on the terraced slopes of Boseong. Brew at 70 °C for "
        "a mellow, grassy cup."),
    DemoProduct(
        "kitchen", "스테인리스 수저 세트", "Stainless steel chopsticks & spoon set", 18_500, 60,
        "18/10 스테인리스를 결 따라 연마한 납작한 손잡이의 수저 세트예요. 식기세척기에 넣어도 "
        "되고, 김해에서 만들어요.",
        "A flat-handled sujeo set in brushed 18/10 steel. Dishwasher safe, made in Gimhae."),
    DemoProduct(
        "kitchen", "옹기 발효 항아리 5L", "Onggi fermentation crock, 5 L", 68_000, 12,
        "잿물과 흙으로 유약을 입혀 숨 쉬는 옹기예요. 김치, 된장, 장아찌에 좋아요. 하나하나 손으로 "
        "빚어 모양이 조금씩 달라요.",
        "A breathable earthenware crock glazed with ash and clay, for kimchi, doenjang or "
        "pickles. Each one is thrown by hand, so no two are quite alike."),
    DemoProduct(
        "sauces", "순창 전통 고추장 1kg", "Sunchang traditional gochujang, 1 kg", 15_900, 80,
        "옹기에서 꼬박 1년 숙성한 고추장이에요. 찌개, 비빔밥, 양념에 깊고 달큰한 매운맛을 "
        "더해요.",
        "Red pepper paste fermented for a full year in onggi jars. Deep, sweet heat for stews, "
        "bibimbap and marinades."),
    DemoProduct(
        "kitchen", "방짜 유기 밥그릇", "Bangjja brass rice bowl", 54_000, 3,
        "두드려 만든 방짜 유기라 밥이 오래 따뜻해요. 부드러운 천으로 닦아 주세요. 쓸수록 더 "
        "아름다워져요.",
        "Forged and hand-hammered bangjja brass that keeps rice warm. Polish with a soft cloth; "
        "it only grows more beautiful with use."),
    DemoProduct(
        "home", "한지 스탠드 조명", "Hanji paper desk lamp", 89_000, 9,
        "자작나무 틀에 닥나무 한지를 씌워 은은하고 따뜻한 빛을 내요. E26 전구 포함, 1.8m 패브릭 "
        "전선.",
        "A soft, warm light through mulberry hanji paper stretched over a birch frame. E26 "
        "bulb (included), 1.8 m fabric cord."),
    DemoProduct(
        "fashion", "메리노 울 양말 3켤레", "Merino wool crew socks, 3 pairs", 21_000, 100,
        "젖어도 따뜻한, 부드럽고 통기성 좋은 메리노 울이에요. 230–270mm.",
        "Soft, breathable merino that stays warm when wet. Sizes 230–270 mm."),
    DemoProduct(
        "fashion", "캔버스 장바구니 토트백", "Canvas market tote", 16_000, 75,
        "16온스 두꺼운 면 캔버스에 안주머니가 있고, 코트 위로도 멜 수 있는 긴 손잡이예요.",
        "Heavy 16 oz cotton canvas with an inside pocket and long handles that fit over a "
        "coat."),
    DemoProduct(
        "kitchen", "콜드브루 커피 보틀 1L", "Cold brew coffee bottle, 1 L", 27_500, 30,
        "고운 스테인리스 필터가 달린 내열 유리병이에요. 밤에 원두와 물을 넣어 두면 아침에 "
        "부드러운 콜드브루가 돼요.",
        "Borosilicate glass with a fine stainless filter. Add grounds and water at night, pour "
        "smooth cold brew in the morning."),
    DemoProduct(
        "coffee", "드립 커피 원두 200g (에티오피아 예가체프)",
        "Drip coffee beans 200 g (Ethiopia Yirgacheffe)", 13_500, 45,
        "성수동에서 미디엄 라이트로 볶은 워시드 원두예요. 재스민, 베르가못, 꿀 향이 나요.",
        "Washed-process beans roasted medium-light in Seongsu-dong. Notes of jasmine, bergamot "
        "and honey."),
    DemoProduct(
        "kitchen", "대나무 도마 (대)", "Bamboo cutting board, large", 31_000, 2,
        "모소 대나무 통판으로 만든 45 × 30cm 도마예요. 즙 홈이 있어요. 한 달에 한 번 기름을 "
        "발라 주세요.",
        "One solid piece of moso bamboo, 45 × 30 cm, with a juice groove. Oil it once a "
        "month."),
    DemoProduct(
        "fruit", "나주 신고배 선물세트 7.5kg", "Naju singo pear gift box, 7.5 kg", 59_000, 0,
        "아삭하고 즙 많은 나주 신고배 9~11개를 하나씩 손으로 포장했어요. 명절 인기 선물이에요. "
        "다음 수확까지 품절이에요.",
        "Nine to eleven crisp, juicy Naju singo pears, each wrapped by hand. The holiday "
        "favourite — sold out until the next harvest."),
    DemoProduct(
        "digital", "노이즈 캔슬링 무선 이어폰", "Wireless earbuds, noise cancelling", 129_000, 25,
        "액티브 노이즈 캔슬링, 한 번 충전으로 8시간, 케이스와 함께 24시간. IPX4 생활 방수, "
        "USB-C 충전.",
        "Active noise cancelling, 8 hours per charge and 24 with the case. IPX4 sweat "
        "resistance and USB-C charging."),
    DemoProduct(
        "digital", "한글 키캡 기계식 키보드", "Mechanical keyboard, Hangul keycaps", 149_000, 15,
        "스위치를 바꿔 끼울 수 있는 75% 배열 키보드예요. 택타일 스위치에 한글과 영문이 "
        "새겨진 PBT 키캡.",
        "A hot-swappable 75% keyboard with tactile switches and dye-sub PBT keycaps in Hangul "
        "and Latin."),
    DemoProduct(
        "home", "린넨 침구 세트 (퀸)", "Linen bedding set, queen", 198_000, 8,
        "스톤 워싱한 프렌치 린넨 이불 커버와 베개 커버 두 장이에요. 빨수록 부드러워져요.",
        "Stone-washed French linen: a duvet cover and two pillowcases, softer with every "
        "wash."),
    DemoProduct(
        "kitchen", "세라믹 머그컵 (청자 유약)", "Ceramic mug, celadon glaze", 19_000, 50,
        "강진 가마의 비취색 청자 유약을 입힌 350ml 머그컵이에요. 전자레인지와 식기세척기에 "
        "사용할 수 있어요.",
        "A 350 ml mug in the sea-green celadon glaze of Gangjin kilns. Microwave and "
        "dishwasher safe."),
    DemoProduct(
        "snacks", "조미김 선물세트 16봉", "Seasoned laver gift set, 16 packs", 12_900, 120,
        "참기름을 바르고 바다 소금을 살짝 뿌려 바삭하게 구운 김이에요. 사무실 간식으로 "
        "인기예요.",
        "Crisp gim brushed with sesame oil and a pinch of sea salt. The office favourite."),
    DemoProduct(
        "kitchen", "휴대용 부탄가스 버너", "Portable butane stove", 45_000, 20,
        "캠핑의 시작은 이것부터: 2.3kW 버너, 압전 점화, 휴대용 케이스 포함.",
        "The one every Korean camping trip starts with: 2.3 kW burner, piezo ignition, carry "
        "case included."),
    DemoProduct(
        "drinks", "전통 식혜 6병", "Traditional sikhye (rice punch), 6 bottles", 22_000, 4,
        "엿기름으로 천천히 삭혀 만든 달콤한 식혜예요. 차갑게 드시고, 냉장 보관 10일이에요.",
        "Sweet rice punch brewed the slow way with malted barley. Serve cold; it keeps 10 days "
        "in the fridge."),
]
