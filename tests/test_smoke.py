"""The application starts, the login page renders in Chinese, and a user can log in."""


def test_login_page_is_chinese_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in html


def test_staff_logs_in_and_sees_home(client, auth, world):
    response = auth.login("staff_a")
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "湛山社区防诈讲座" in home.get_data(as_text=True)
    assert "港东村金融知识进乡村" not in home.get_data(as_text=True)
