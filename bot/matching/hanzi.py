"""Traditional Chinese characters folded to Simplified, for matching only.

A small table of our own (about 600 pairs: the characters trainees' messages are made of, the
topic words of the helpline, and the most common characters that differ), written for this
project under its licence. It folds one character at a time, which is all matching needs: a
Traditional message and a Simplified example then share their character n-grams. It is not a
converter for showing text (no phrase rules, no regional words). zhconv (GPLv2+, a 545 kB
dictionary) and OpenCC (a compiled library) were weighed and not taken: this table is smaller,
licence-clean, and on the evaluation corpus (bench/matching/) as good for the words that matter.

Pure; standard library only.
"""

from __future__ import annotations

_PAIRS = (
    "萬万與与專专業业東东絲丝兩两嚴严喪丧個个豐丰臨临為为麗丽舉举義义烏乌樂乐喬乔習习鄉乡書书買买亂乱"
    "爭争於于虧亏雲云亞亚產产畝亩親亲億亿僅仅從从侖仑倉仓儀仪們们價价眾众優优夥伙會会傘伞偉伟傳传傷伤"
    "倫伦偽伪體体餘余傭佣僉佥俠侠侶侣僥侥偵侦側侧僑侨儈侩儕侪儂侬俁俣儔俦儼俨倆俩儷俪儉俭債债傾倾僂偻"
    "僕仆僱雇億亿兇凶兌兑兒儿黨党內内岡冈冊册寫写軍军農农馮冯衝冲決决況况凍冻淨净準准涼凉減减湊凑凜凛"
    "幾几鳳凤憑凭凱凯擊击鑿凿芻刍劃划劉刘則则剛刚創创刪删別别剗刬剄刭劊刽劌刿劑剂剮剐劍剑剝剥劇剧勸劝"
    "辦办務务動动勵励勁劲勞劳勢势勳勋匯汇區区醫医華华協协單单賣卖盧卢衛卫卻却廠厂廳厅曆历厲厉壓压厭厌"
    "參参雙双發发變变敘叙疊叠葉叶號号嘆叹嘰叽籲吁後后嚇吓呂吕嗎吗噸吨聽听啟启吳吴嘔呕員员嗆呛嗚呜詠咏"
    "響响啞哑噴喷嘩哗喲哟嘍喽嚨咙團团園园圍围國国圖图圓圆聖圣場场壞坏塊块堅坚壇坛壩坝塢坞墳坟墜坠壟垄"
    "壺壶處处備备複复夠够頭头誇夸夾夹奪夺奮奋獎奖婦妇媽妈嫵妩嬌娇孫孙學学寧宁寶宝實实審审憲宪宮宫寬宽"
    "賓宾對对尋寻導导將将爾尔塵尘嘗尝層层屆届屬属歲岁島岛嶺岭幣币帥帅師师帳帐帶带幫帮庫库廢废廣广"
    "慶庆應应開开異异棄弃張张彌弥彎弯歸归當当錄录彙汇從从徵征徹彻憶忆懷怀態态憐怜總总懇恳惡恶惱恼悶闷"
    "驚惊懶懒懸悬慘惨慣惯願愿懼惧戀恋戲戏戰战戶户擁拥撲扑擴扩掃扫揚扬擾扰撫抚拋抛搶抢護护報报擔担擬拟"
    "擁拥擇择掛挂摯挚擋挡撈捞損损撿捡換换掄抡揮挥據据擄掳攪搅摟搂攜携攝摄擺摆搖摇攤摊撐撑數数斂敛"
    "齊齐斬斩斷断時时曠旷晝昼顯显晉晋曬晒曉晓暫暂書书會会術术機机殺杀雜杂權权條条來来楊杨極极構构"
    "槍枪櫃柜檢检樹树標标欄栏歡欢歐欧殘残殼壳毀毁氣气漢汉沒没溝沟淚泪瀉泻潑泼澤泽潔洁灑洒濃浓漲涨"
    "淺浅測测濟济滅灭瀏浏漁渔溫温灣湾濕湿滿满灘滩濾滤滾滚點点煉炼爛烂燒烧燈灯災灾熱热無无爺爷牆墙"
    "狀状猶犹獨独獄狱獲获環环現现瑪玛產产畫画暢畅療疗癢痒發发盡尽監监蓋盖盤盘眾众睜睁矯矫碼码礎础禮礼"
    "禍祸離离種种積积稱称穩稳窮穷竊窃競竞筆笔筍笋籤签簡简糧粮緊紧糾纠紅红紀纪約约級级紙纸納纳紛纷"
    "細细終终組组絕绝經经給给結结統统絡络綠绿維维網网緒绪練练線线締缔編编緣缘縣县縮缩總总績绩繼继續续"
    "罰罚罷罢羅罗義义習习聞闻聯联聰聪職职肅肃腸肠膚肤腦脑臉脸艱艰藝艺節节範范藥药蘇苏葷荤萬万莊庄"
    "蟲虫蝦虾補补裝装製制複复襯衬見见規规視视覺觉覽览觀观觸触計计訂订認认討讨讓让訓训議议記记講讲"
    "許许論论設设訪访證证評评識识詐诈訴诉診诊該该詳详試试詩诗話话誠诚誤误說说請请諸诸讀读課课誰谁"
    "調调談谈謝谢謊谎謀谋證证譯译變变護护豈岂貝贝負负財财責责賢贤敗败貨货質质販贩貪贪貧贫購购貯贮"
    "貫贯貼贴貴贵貸贷費费賀贺資资賈贾賊贼賄贿賠赔賬账賭赌賴赖贈赠趙赵趕赶躍跃車车軌轨轉转輪轮軟软"
    "輕轻載载較较輔辅輛辆輸输轟轰辭辞邊边遼辽達达遷迁過过運运還还這这進进遠远連连遲迟適适選选遺遗"
    "遞递鄰邻鄭郑醬酱釋释鐘钟針针釘钉鋼钢錢钱鐵铁鈴铃銀银鋪铺鋒锋銷销鎖锁錯错鍵键鏡镜長长門门閉闭問问"
    "間间閒闲閱阅闆板闖闯關关陽阳陰阴陣阵階阶際际陸陆隊队隨随險险隱隐隻只難难雞鸡雖虽電电靈灵靜静"
    "韓韩頁页頂顶項项順顺須须預预領领頻频題题額额顏颜願愿類类顧顾風风飛飞飯饭飲饮飽饱養养餓饿館馆"
    "馬马駕驾騙骗驗验驅驱騷骚髮发鬆松鬥斗魚鱼鮮鲜鳥鸟鹽盐麥麦黃黄齒齿龍龙龜龟憂忧慮虑擊击懲惩罷罢"
    "薪薪資资僱雇辭辞勞劳傷伤醫医闆板盜盗竊窃逃逃滯滞簽签證证貸贷聯联絡络協协覺觉壞坏臟脏髒脏醬酱"
    "飯饭館馆舖铺樓楼鎮镇縣县廳厅館馆執执禁禁補补償偿報报廢废稅税險险頓顿鎖锁門门窗窗囉啰嗎吗囉啰"
    "們们裡里麼么甚甚嗎吗喔喔欸欸啥啥幹干麼么嘛嘛咧咧嘍喽齁齁怎怎樣样應应該该隻只妳你祢你強强脅胁裏里"
    "彈弹槍枪劍剑恐恐嚇吓綁绑燙烫踢踢跑跑趕赶逼逼鎖锁拘拘禁禁醫医診诊搶抢罵骂揍揍傷伤癒愈懷怀孕孕墮堕胎胎"
)

TRADITIONAL_TO_SIMPLIFIED: dict[str, str] = {
    _PAIRS[i]: _PAIRS[i + 1] for i in range(0, len(_PAIRS) - 1, 2) if _PAIRS[i] != _PAIRS[i + 1]
}
"""Each Traditional character to its Simplified form (pairs that are the same are left out)."""

_TABLE = str.maketrans(TRADITIONAL_TO_SIMPLIFIED)


def to_simplified(text: str) -> str:
    """Return ``text`` with the Traditional characters of the table made Simplified."""
    return text.translate(_TABLE)
