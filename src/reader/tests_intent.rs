//! Intent from the whole message, on shops the reader was not built against (a bakery, a
//! dairy, a meat shop): what only talks, asks or passes on is no order, and a product taken
//! back out of an order leaves the rest of it.

use super::*;

const BAKERY: &str = "sku,name,category,unit,price,aliases,variants,stock
brown-bread,Brown Bread,Breads,pc,45,brown loaf,Single=1,100
chocolate-cake,Chocolate Cake,Cakes,kg,700,choco cake,500 g=500;1 kg=1000,20000
nankhatai,Nankhatai,Biscuits,kg,400,nan khatai,250 g=250;500 g=500,10000
croissant,Croissant,Pastries,pc,60,croissants,Single=1,100
";

const DAIRY: &str = "sku,name,category,unit,price,aliases,variants,stock
milk,Toned Milk,Dairy,pc,28,doodh|dudh,Single=1,500
paneer,Paneer,Dairy,kg,400,panir,200 g=200;500 g=500;1 kg=1000,10000
dahi,Dahi,Dairy,kg,80,curd,500 g=500;1 kg=1000,10000
ghee,Desi Ghee,Dairy,kg,650,ghee|ghi,500 g=500;1 kg=1000,10000
";

const MEAT: &str = "sku,name,category,unit,price,aliases,variants,stock
chicken,Chicken Curry Cut,Chicken,kg,240,chicken|murgi,500 g=500;1 kg=1000,50000
mutton,Mutton,Mutton,kg,750,gosht,500 g=500;1 kg=1000,30000
rohu,Rohu Fish,Fish,kg,300,rohu,1 kg=1000,20000
keema,Mutton Keema,Mutton,kg,800,kheema,250 g=250;500 g=500,10000
";

fn shop(csv: &str) -> ProductIndex {
    ProductIndex::from_csv(csv).unwrap_or_else(|e| panic!("catalog: {e}"))
}

/// Each message with the intent it must read as, and no lines unless it is an order.
fn check(csv: &str, cases: &[(&str, Intent)]) {
    let cat = shop(csv);
    for (text, want) in cases {
        let r = read(&cat, text);
        assert_eq!(r.intent, *want, "{text}: {r:?}");
        if *want != Intent::Order {
            assert!(r.items.is_empty() && r.unclear.is_empty(), "{text}: {r:?}");
        }
    }
}

fn items(r: &Reading) -> Vec<(&str, u32)> {
    let mut v: Vec<_> = r.items.iter().map(|i| (i.sku.as_str(), i.qty)).collect();
    v.sort();
    v
}

#[test]
fn talk_about_goods_with_amounts_is_no_order() {
    check(
        MEAT,
        &[
            (
                "kal ka mutton ekdum sakht tha 😡 aadha kilo toh phekna pada",
                Intent::Other,
            ),
            ("thanks bhai, rohu bahut badhiya thi", Intent::Other),
            ("is baar keema nahi bhaiya, agli baar", Intent::Other),
            ("not this time, thanks", Intent::Other),
            (
                "pichli baar 2 kg chicken liya tha, sab khatam ho gaya",
                Intent::Other,
            ),
        ],
    );
    check(
        DAIRY,
        &[
            (
                "Kaka tumcha ghee ekdum chhan hota, 1 kilo ek athavdyat sampla",
                Intent::Other,
            ),
            (
                "is baar paneer nahi chahiye, 1 kg abhi bacha hai",
                Intent::Other,
            ),
        ],
    );
    // Talk beside a plain order line, or with a request, still orders.
    let cat = shop(DAIRY);
    let r = read(&cat, "kal ka dahi khatta tha, is baar 1 kg paneer");
    assert_eq!(
        (r.intent, items(&r)),
        (Intent::Order, vec![("paneer", 1000)])
    );
    let r = read(&cat, "the paneer was soft, send 2 kg more");
    assert_eq!(
        (r.intent, items(&r)),
        (Intent::Order, vec![("paneer", 2000)])
    );
}

#[test]
fn readiness_and_pickup_questions_are_status() {
    check(
        BAKERY,
        &[
            ("cake ready hua?", Intent::Status),
            ("Is my chocolate cake ready?", Intent::Status),
            (
                "can I pick it up at 7? the choco cake for Priya",
                Intent::Status,
            ),
            ("mera parcel nikla kya?", Intent::Status),
            (
                "kitne baje tak mil jayega? guests 8 baje aa rahe",
                Intent::Status,
            ),
        ],
    );
    // An order that says when it will be fetched is an order.
    let r = read(
        &shop(BAKERY),
        "1 kg chocolate cake ready rakhna, 6 baje aaunga",
    );
    assert_eq!(
        (r.intent, items(&r)),
        (Intent::Order, vec![("chocolate-cake", 1000)])
    );
}

#[test]
fn price_and_availability_questions_are_menu_even_with_an_amount() {
    check(
        MEAT,
        &[
            ("mutton kitne rupay kilo?", Intent::Menu),
            ("Do you have fresh rohu today?", Intent::Menu),
            ("2 kg keema milega?", Intent::Menu),
            ("aaj kya fresh aaya hai?", Intent::Menu),
            ("Aaj ka special kya hai?", Intent::Menu),
        ],
    );
    // Asking and asking for: the request makes it an order.
    let r = read(&shop(MEAT), "rohu fresh hai? 1 kg bhej do");
    assert_eq!((r.intent, items(&r)), (Intent::Order, vec![("rohu", 1000)]));
}

#[test]
fn respectful_and_devotional_openers_greet() {
    check(
        DAIRY,
        &[
            ("Namaskar kaka 🙏", Intent::Greeting),
            ("Ganpati Bappa Morya", Intent::Greeting),
            ("Har Har Mahadev", Intent::Greeting),
            ("Ram Ram sa", Intent::Greeting),
            ("Salaam chacha", Intent::Greeting),
            ("Kem cho bhai", Intent::Greeting),
            ("Sat Sri Akal paaji", Intent::Greeting),
        ],
    );
    let r = read(&shop(DAIRY), "Namaskar kaka, 2 doodh");
    assert_eq!((r.intent, items(&r)), (Intent::Order, vec![("milk", 2)]));
}

#[test]
fn a_line_taken_out_leaves_the_rest_of_the_order() {
    let cat = shop(DAIRY);
    let r = read(&cat, "paneer 1 kg aur dahi 1 kg. dahi cancel, sirf paneer");
    assert_eq!(
        (r.intent, items(&r)),
        (Intent::Order, vec![("paneer", 1000)])
    );
    assert!(r.unclear.is_empty(), "{r:?}");
    let r = read(&cat, "2 doodh, 500 g ghee... ghee hata do");
    assert_eq!((r.intent, items(&r)), (Intent::Order, vec![("milk", 2)]));
    // A wish about a line is no removal of it.
    let r = read(&cat, "1 kg paneer, paneer me namak nahi chahiye");
    assert_eq!(items(&r), vec![("paneer", 1000)]);
    // Cancelling what an earlier order holds is still a cancel.
    let r = read(&cat, "please cancel the ghee from my order");
    assert_eq!(r.intent, Intent::Cancel);
}

#[test]
fn a_forward_is_other_unless_the_customer_orders_first() {
    check(
        BAKERY,
        &[
            (
                "Forwarded as received:\nWife: 2 croissant le aana\nHusband: 😂",
                Intent::Other,
            ),
            (
                "*Forwarded*\nHappy Diwali! 1 kg cake khao 🪔",
                Intent::Other,
            ),
            ("Fwd: 2 cake = 2 smiles 😂", Intent::Other),
        ],
    );
    let r = read(
        &shop(BAKERY),
        "4 croissant bhej do\nForwarded as received:\n1 kg cake = ₹700 😂",
    );
    assert_eq!(
        (r.intent, items(&r)),
        (Intent::Order, vec![("croissant", 4)])
    );
}

#[test]
fn a_payment_is_no_order() {
    check(
        DAIRY,
        &[
            ("GPay kiya 640, receipt bhej do", Intent::Other),
            ("UPI se 450 bhej diye, check karo", Intent::Other),
        ],
    );
}

#[test]
fn a_name_something_is_said_of_beside_an_order_is_a_remark() {
    // "kheer banana hai": the customer says what the milk is for; nothing more is asked.
    let r = read(&shop(DAIRY), "2 doodh bhejo, kheer banana hai. paneer hai");
    assert_eq!((r.intent, items(&r)), (Intent::Order, vec![("milk", 2)]));
    assert!(r.unclear.is_empty(), "{r:?}");
    // Without an order beside it, or as a question, the name is still asked about.
    let r = read(&shop(DAIRY), "paneer hai?");
    assert_eq!(r.intent, Intent::Menu);
    let r = read(&shop(DAIRY), "2 doodh aur paneer bhejo");
    assert_eq!(r.unclear.len(), 1, "{r:?}");
}

#[test]
fn skipping_a_product_this_time_is_no_cancel() {
    check(
        DAIRY,
        &[
            (
                "is baar 1 kg paneer mat bhejna, fridge mein abhi bacha hai",
                Intent::Other,
            ),
            (
                "this time don't send the dahi, we still have some",
                Intent::Other,
            ),
            ("mera order cancel kar do", Intent::Cancel),
            ("dahi mat bhejna, order cancel", Intent::Cancel),
        ],
    );
}

#[test]
fn a_correction_replaces_the_line_it_corrects() {
    let cat = shop(BAKERY);
    // Another product after a bare "no": the line before is replaced.
    let r = read(
        &cat,
        "1 kg chocolate cake\nnahi nahi, nankhatai kar do 500 g",
    );
    assert_eq!(items(&r), vec![("nankhatai", 500)], "{r:?}");
    // The same product in another size keeps the amount asked for.
    let pizza = shop(
        "sku,name,category,unit,price,aliases,variants,stock
veg-small,Veg Pizza (Small),Pizza,pc,99,small veg pizza|veg pizza small,Single=1,50
veg-big,Veg Pizza (Big),Pizza,pc,199,big veg pizza|veg pizza big,Single=1,50
paneer-big,Paneer Pizza (Big),Pizza,pc,249,big paneer pizza|paneer pizza big,Single=1,50
",
    );
    let r = read(
        &pizza,
        "3 big veg pizza, 1 big paneer pizza\nsorry veg pizza small kar do",
    );
    assert_eq!(
        items(&r),
        vec![("paneer-big", 1), ("veg-small", 3)],
        "{r:?}"
    );
}
