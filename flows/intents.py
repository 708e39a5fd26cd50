"""Typed words that act like the navigation buttons, at any step (返回, 跳过, 重新开始...)."""

TYPED_INTENTS = {
    "返回": "back", "上一步": "back", "后退": "back", "back": "back",
    "跳过": "skip", "skip": "skip", "不清楚": "skip_if_optional",
    "重新开始": "restart", "重来": "restart", "restart": "restart",
    "帮助": "help", "help": "help", "?": "help", "？": "help", "怎么用": "help",
    "取消": "cancel", "退出": "cancel", "结束": "cancel", "cancel": "cancel",
}
