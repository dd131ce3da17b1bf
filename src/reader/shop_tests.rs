//! End-to-end checks of `read` against small catalogs of shops other than the demo sweet
//! shop: the shop's own names come first, containers are what its variants say, sizes in
//! names, regional number words, and generic words that fit several products.

use super::*;

const HEAD: &str = "sku,name,category,unit,price,aliases,variants,stock\n";

fn shop(rows: &str) -> ProductIndex {
    ProductIndex::from_csv(&format!("{HEAD}{rows}")).unwrap_or_else(|e| panic!("catalog: {e}"))
}

fn bakery() -> ProductIndex {
    shop(
        "pav,Pav,Bread,pc,4,paav|pao,Single=1;Ladi of 6=6,500\n\
          brown-bread,Brown Bread 400 g,Bread,pc,50,brown bread,Single=1,50\n\
          khari,Khari,Biscuits,pc,5,khaari,Single=1;Packet of 12=12,300\n\
          eggs,Eggs,Dairy,pc,7,egg|anda|ande,Single=1;Tray of 30=30,600\n\
          choco-cake,Chocolate Cake,Cakes,kg,800,choco cake,500 g=500;1 kg=1000,5000\n\
          forest-cake,Black Forest Cake,Cakes,kg,750,black forest,500 g=500;1 kg=1000,5000\n\
          jeera,Jeera Biscuit,Biscuits,kg,300,jeera butter,250 g=250,5000\n",
    )
}

fn grocer() -> ProductIndex {
    shop(
        "atta-5,Atta 5 kg,Flour,pc,250,chakki atta,Single=1,40\n\
          gold-500,Amul Gold 500 ml,Milk,pc,34,,Single=1,100\n\
          gold-1l,Amul Gold 1 L,Milk,pc,66,gold 1 litre,Single=1,100\n\
          taaza-500,Amul Taaza 500 ml,Milk,pc,28,,Single=1,100\n\
          onion,Onion,Vegetables,kg,40,kanda|pyaz,1 kg=1000;Bag of 5 kg=5000,100000\n\
          mango,Kesar Mango,Fruits,kg,180,kesar,1 kg=1000;Box of 3 kg=3000,60000\n\
          methi,Methi (Bunch),Leafy,pc,15,,Bunch=1,120\n\
          bhindi,Bhindi,Vegetables,kg,60,bhendi,250 g=250,20000\n\
          potato,Potato,Vegetables,kg,35,batata,1 kg=1000,100000\n",
    )
}

fn counter() -> ProductIndex {
    shop(
        "samosa,Samosa,Snacks,pc,20,samose,Single=1;Plate of 2=2,400\n\
          veg-momos,Veg Momos (Plate),Momos,pc,80,,Plate=1,200\n\
          paneer-momos,Paneer Momos (Plate),Momos,pc,100,,Plate=1,150\n\
          chai,Masala Chai,Beverages,pc,20,chai,Cup=1,500\n\
          pav-bhaji,Pav Bhaji (Plate),Meals,pc,120,,Plate=1,150\n\
          extra-pav,Extra Pav,Meals,pc,15,pav|paav,Single=1,300\n\
          bhujia,Aloo Bhujia,Namkeen,kg,320,bhujia,250 g=250,15000\n",
    )
}

fn items(r: &Reading) -> Vec<(String, u32)> {
    let mut v: Vec<_> = r.items.iter().map(|i| (i.sku.clone(), i.qty)).collect();
    v.sort();
    v
}

fn reasons(r: &Reading) -> Vec<UnclearReason> {
    r.unclear.iter().map(|u| u.reason).collect()
}

fn one(sku: &str, qty: u32) -> Vec<(String, u32)> {
    vec![(sku.to_string(), qty)]
}

#[test]
fn a_product_named_like_an_amount_is_the_product() {
    let cat = bakery();
    assert_eq!(items(&read(&cat, "6 pav")), one("pav", 6));
    assert_eq!(items(&read(&cat, "pav 6 bhejo")), one("pav", 6));
    assert_eq!(items(&read(&cat, "2 ladi pav")), one("pav", 12));
    // A unit after it still makes it an amount, even here.
    assert_eq!(
        items(&read(&cat, "paav kilo jeera biscuit")),
        one("jeera", 250)
    );
    let counter = counter();
    assert_eq!(items(&read(&counter, "2 pav bhaji")), one("pav-bhaji", 2));
    assert_eq!(
        items(&read(&counter, "paav bhar bhujia")),
        one("bhujia", 250)
    );
}

#[test]
fn polite_run_on_english_keeps_every_line() {
    let r = read(
        &bakery(),
        "could you please deliver one loaf of brown bread and a pack of khari and two dozen eggs",
    );
    let want = vec![
        ("brown-bread".to_string(), 1),
        ("eggs".to_string(), 24),
        ("khari".to_string(), 12),
    ];
    assert_eq!(items(&r), want);
    assert!(r.unclear.is_empty() && r.unknown.is_empty(), "{r:?}");
}

#[test]
fn containers_are_read_from_the_variants() {
    let cat = grocer();
    assert_eq!(items(&read(&cat, "kanda 1 bag")), one("onion", 5000));
    assert_eq!(items(&read(&cat, "kesar 1 box")), one("mango", 3000));
    assert_eq!(items(&read(&cat, "ek peti kesar")), one("mango", 3000));
    assert_eq!(items(&read(&cat, "methi 2 judi")), one("methi", 2));
    assert_eq!(items(&read(&cat, "3 bunch methi")), one("methi", 3));
    // No bag of bhindi is sold: ask.
    let r = read(&cat, "bhendi 1 bag");
    assert_eq!(reasons(&r), vec![UnclearReason::NoQuantity]);
    let snacks = counter();
    assert_eq!(items(&read(&snacks, "1 plate samosa")), one("samosa", 2));
    assert_eq!(items(&read(&snacks, "chai 2 cup")), one("chai", 2));
    assert_eq!(
        items(&read(&snacks, "2 plate veg momos")),
        one("veg-momos", 2)
    );
    // "momos" fits both plates of momos.
    let r = read(&snacks, "2 plate momos bhej do");
    assert_eq!(reasons(&r), vec![UnclearReason::Ambiguous]);
}

#[test]
fn sizes_in_names_are_part_of_the_name() {
    let cat = grocer();
    assert_eq!(items(&read(&cat, "2 atta 5 kg")), one("atta-5", 2));
    assert_eq!(items(&read(&cat, "atta 5kg x 2")), one("atta-5", 2));
    assert_eq!(items(&read(&cat, "amul gold 500 ml 3")), one("gold-500", 3));
    assert_eq!(items(&read(&cat, "2 amul gold 1 l")), one("gold-1l", 2));
    assert_eq!(items(&read(&cat, "4 taaza")), one("taaza-500", 4));
    // Sizes in words and other unit spellings meet the name's.
    assert_eq!(
        items(&read(&cat, "don packet gold ek litre")),
        one("gold-1l", 2)
    );
    assert_eq!(
        items(&read(&cat, "amul taaza 500 ml x 2")),
        one("taaza-500", 2)
    );
    // Written with its size, the name asks for one of it.
    let r = read(&cat, "amul gold 1 l aur 2 kg kanda");
    let want = vec![("gold-1l".to_string(), 1), ("onion".to_string(), 2000)];
    assert_eq!(items(&r), want);
}

#[test]
fn a_generic_word_fitting_several_products_is_asked_about() {
    // "gold" is both sizes of Amul Gold, though only one of them has an alias "gold 1 litre".
    let r = read(&grocer(), "2 gold");
    assert_eq!(reasons(&r), vec![UnclearReason::Ambiguous]);
    assert_eq!(r.unclear[0].skus.len(), 2);
    let cake = bakery();
    let r = read(&cake, "1 kg cake");
    assert_eq!(reasons(&r), vec![UnclearReason::Ambiguous]);
    assert_eq!(
        items(&read(&cake, "1 kg chocolate cake")),
        one("choco-cake", 1000)
    );
    assert_eq!(
        items(&read(&cake, "1 kg black forest")),
        one("forest-cake", 1000)
    );
}

#[test]
fn regional_number_words_in_orders() {
    let cat = grocer();
    let r = read(
        &cat,
        "ardha kilo bhendi, don kilo kanda, sawa kilo batata pathva",
    );
    let want = vec![
        ("bhindi".to_string(), 500),
        ("onion".to_string(), 2000),
        ("potato".to_string(), 1250),
    ];
    assert_eq!(items(&r), want);
    assert!(r.unknown.is_empty(), "{r:?}");
    let r = read(&cat, "be kilo kanda ane dodh kilo batata mokalo");
    let want = vec![("onion".to_string(), 2000), ("potato".to_string(), 1500)];
    assert_eq!(items(&r), want);
}

#[test]
fn do_as_a_verb_and_rates_are_not_amounts() {
    let cat = grocer();
    let r = read(&cat, "Do you have fresh methi today?");
    assert!(r.items.is_empty(), "{r:?}");
    let r = read(&cat, "kanda kitne rupay kilo?");
    assert!(r.items.is_empty(), "{r:?}");
}

#[test]
fn the_size_a_piece_product_is_named_by_counts_its_pieces() {
    let cat = shop(
        "salt-1kg,Rock Salt 1 kg,Grocery,pc,28,rock salt|sendha namak,Single=1,200\n\
          oil-1l,Mustard Oil 1 L,Oil,pc,180,sarson tel|mustard oil,Single=1,100\n\
          ghee-500,Desi Ghee 500 ml,Dairy,pc,320,desi ghee,Single=1,50\n",
    );
    assert_eq!(items(&read(&cat, "1 kg rock salt")), one("salt-1kg", 1));
    assert_eq!(
        items(&read(&cat, "2 kilo sendha namak")),
        one("salt-1kg", 2)
    );
    assert_eq!(
        items(&read(&cat, "sarson tel 1 litre x 3")),
        one("oil-1l", 3)
    );
    assert_eq!(items(&read(&cat, "1 litre desi ghee")), one("ghee-500", 2));
    assert_eq!(items(&read(&cat, "500 ml desi ghee")), one("ghee-500", 1));
    // Part of a piece is still asked about.
    let r = read(&cat, "250 ml desi ghee");
    assert!(items(&r).is_empty(), "{r:?}");
}

#[test]
fn the_plural_of_a_short_name_is_the_product() {
    let cat = shop(
        "egg,Farm Egg,Poultry,pc,7,egg,Single=1;Tray of 30=30,600\n\
          fig,Dried Fig,Dry Fruits,kg,900,fig|anjeer,250 g=250,5000\n",
    );
    assert_eq!(items(&read(&cat, "2 dozen eggs")), one("egg", 24));
    assert_eq!(items(&read(&cat, "Eggs - 1 tray")), one("egg", 30));
    assert_eq!(items(&read(&cat, "figs 500 g")), one("fig", 500));
}

#[test]
fn a_five_letter_name_one_letter_off_is_the_product() {
    let cat = shop(
        "paneer,Paneer,Dairy,kg,400,panir,250 g=250;1 kg=1000,8000\n\
          cream,Fresh Cream 250 ml,Dairy,pc,70,fresh cream,Single=1,50\n",
    );
    assert_eq!(items(&read(&cat, "sawa kilo panner")), one("paneer", 1250));
    assert_eq!(
        items(&read(&cat, "ghar sathi 1 kg paner ani 2 fresh cream")),
        vec![("cream".to_string(), 2), ("paneer".to_string(), 1000)]
    );
}

#[test]
fn a_set_counts_what_the_catalogs_set_holds() {
    let cat =
        shop("bowls,Steel Bowl,Kitchen,pc,60,katori bowl|steel bowl,Single=1;Set of 6=6,200\n");
    assert_eq!(items(&read(&cat, "Steel bowl - 2 set")), one("bowls", 12));
    assert_eq!(items(&read(&cat, "1 set steel bowl")), one("bowls", 6));
}
