fn main() {
    beatbook::start();
}
